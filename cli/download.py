"""``app.py download``: fetch MNIST into the cache folder (or --data-dir)."""
import cnn

from .args import add_data_dir
from .progress import ProgressBar


def add_parser(subparsers):
    p = subparsers.add_parser("download", help="download MNIST (about 11 MB)",
                              description="Download the four MNIST files from public mirrors, checking "
                                          "each file's SHA-256, into --data-dir or the cache folder.")
    add_data_dir(p)
    p.set_defaults(run=run)


def run(args):
    dest = args.data_dir or cnn.default_cache_dir()
    bar = ProgressBar()
    done = cnn.download_mnist(dest, progress=lambda name, got, total: bar.update(
        name, got, total or got, unit="B"))
    bar.clear()
    print(f"MNIST is in {done}")
    return 0
