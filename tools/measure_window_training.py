"""The window's training speed against ``app.py train`` on this machine, in interleaved pairs.

    python tools/measure_window_training.py [--data-dir DIR] [--images N] [--pairs K]

Each pair runs the same one-epoch run (the window's default settings: augmented, every core)
once through ``app.py train`` in a child process and once in the window (offscreen, nobody
drawing), and compares the training images/s each reports for its epoch (the test pass after it
is not counted). The window's run also records the longest gap of a 10 ms event-loop probe.
Figures are from this machine in one run. Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tools.measure_gui import StallProbe, wait  # noqa: E402


def cli_rate(images, data_dir, out):
    """Training images/s of one ``app.py train`` epoch, as it prints it."""
    command = [sys.executable, str(ROOT / "app.py"), "train", "--epochs", "1", "--augment", "--limit", str(images),
               "--out", str(out), "--force"] + (["--data-dir", data_dir] if data_dir else [])
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, cwd=ROOT)
    match = re.search(r"epoch +1/1 .* ([\d,]+) img/s", done.stdout)
    if match is None:
        raise RuntimeError(f"app.py train printed no epoch line:\n{done.stdout}\n{done.stderr}")
    return float(match.group(1).replace(",", ""))


def window_rate(app, window, images):
    """Training images/s of the same run in the window, and the longest event-loop gap (ms)."""
    from PySide6.QtCore import QEventLoop
    from gui.train.controls_view import WINDOW_DEFAULTS
    config = dataclasses.replace(WINDOW_DEFAULTS, epochs=1, train_size=images)
    loop = QEventLoop()  # as app.exec() runs: idle until an event comes (no polling)
    window.training.run_ended.connect(loop.quit)
    probe = StallProbe()
    probe.start()
    if not window.training.start(config, from_scratch=True):
        raise RuntimeError("the training run did not start")
    loop.exec()
    gaps = probe.stop()
    window.training.run_ended.disconnect(loop.quit)
    epochs = window.training.result.history.epochs
    return epochs[-1].images_per_sec, float(gaps.max()), config.workers


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help="MNIST folder (default: $MNIST_DIR, then the cache)")
    parser.add_argument("--images", type=int, default=12000, help="training images per run (default 12,000)")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from gui.application import create_window, limit_blas_threads
    from gui.dialogs import unattended_options
    limit_blas_threads()  # as gui.run() does
    window = create_window(None, args.data_dir, **unattended_options())
    window.show()
    wait(app, 0.3)
    ratios, gaps = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for pair in range(args.pairs):
            first_cli = pair % 2 == 0  # alternate which one goes first
            cli = cli_rate(args.images, args.data_dir, Path(tmp) / "w.npz") if first_cli else None
            rate, gap, workers = window_rate(app, window, args.images)
            cli = cli if first_cli else cli_rate(args.images, args.data_dir, Path(tmp) / "w.npz")
            ratios.append(rate / cli)
            gaps.append(gap)
            print(f"pair {pair + 1}: app.py train {cli:,.0f} img/s, window {rate:,.0f} img/s "
                  f"({workers} threads), window/CLI {rate / cli:.2f}, longest event-loop gap {gap:.0f} ms",
                  flush=True)
            time.sleep(1)
    print(f"window/CLI median {statistics.median(ratios):.2f} [{min(ratios):.2f} .. {max(ratios):.2f}] over "
          f"{len(ratios)} pairs; longest event-loop gap {max(gaps):.0f} ms")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
