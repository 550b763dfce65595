"""argparse pieces, and checks of outputs, that turn a mistake into one clear line."""
import argparse
import math
import os
import tempfile
from pathlib import Path

from . import UsageError


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose mistakes print one line, ``app.py train: error: ...``, and exit 2.

    argparse's own ``error`` prints the whole usage first; on a long command that buries the
    one line that matters, and the README promises one line.
    """

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def whole_number(low, high=None):
    """An argparse type: an int from ``low`` to ``high`` (None: no upper limit)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            limit = f"from {low:,} to {high:,}" if high is not None else f"at least {low:,}"
            raise argparse.ArgumentTypeError(f"must be {limit}, got {value:,}")
        return value

    parse.__name__ = "whole number"
    return parse


positive_int = whole_number(1)


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


# Options that app.py also takes before the command; SUPPRESS keeps a subparser's default from
# overwriting a value given there (`app.py --data-dir X train`).
def add_data_dir(parser):
    parser.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                        help="MNIST folder (default: $MNIST_DIR, then the cache folder)")


def add_weights(parser):
    parser.add_argument("--weights", metavar="PATH", default=argparse.SUPPRESS,
                        help="weights file (default: the shipped weights/digitnet.npz)")


def check_output(path, flag, *, replace):
    """Refuse (``UsageError``) an output that cannot be written, before any time goes into training."""
    if path.is_dir():
        raise UsageError(f"{flag} {path} is a folder; it needs a file name")
    folder = Path(os.path.abspath(path)).parent
    if not folder.exists():
        raise UsageError(f"{flag} {path}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise UsageError(f"{flag} {path}: {folder} is a file, not a folder")
    if path.exists() and not replace:
        raise UsageError(f"{flag} {path} exists; use --force to replace it, or choose another {flag}")
    try:  # permissions alone do not tell (root, read-only mounts, ACLs): try it
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".probe"):
            pass
    except OSError as e:
        raise UsageError(f"{flag} {path}: cannot write in {folder} ({e.strerror or e})") from e
