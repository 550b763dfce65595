"""Render the real window offscreen and save it as ``docs/screenshot.png`` (and the other tabs).

    python tools/screenshot.py [--data-dir DIR] [--out PATH] [--inside-out PATH] [--errors-out PATH]
                               [--train-images N] [--epochs N]

It trains a fresh network for a short run (so the loss plot shows it learning), then draws a
digit with real mouse events so the prediction, the bars and the 28x28 preview are filled in.
Without MNIST it feeds a made-up history through the training controller's own signals instead,
and predicts with the weights it opened. Then it shows the "Look inside" tab (feature maps of
that digit, filters) as ``docs/screenshot-inside.png`` and, with MNIST, evaluates the trained
weights and opens their most frequent mistake in "Where it goes wrong" (``docs/screenshot-errors.png``).
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

import cnn  # noqa: E402
from tools.mouse import draw_stroke  # noqa: E402


def wait(app, seconds=None, until=None):
    end = time.perf_counter() + (seconds if seconds is not None else 1e9)
    while time.perf_counter() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.005)


def two_points(n=60):
    """A handwritten-looking '2': an arc, a diagonal, a base line (fractions of the canvas)."""
    pts = []
    for t in np.linspace(0, 1, n):
        if t < 0.45:
            a = math.pi * (0.95 - 1.25 * t / 0.45)
            pts.append((0.5 + 0.2 * math.cos(a), 0.36 - 0.16 * math.sin(a)))
        elif t < 0.8:
            s = (t - 0.45) / 0.35
            pts.append((0.64 - 0.34 * s, 0.44 + 0.36 * s))
        else:
            s = (t - 0.8) / 0.2
            pts.append((0.30 + 0.42 * s, 0.80 + 0.01 * s))
    return pts


def train_for_real(app, window, config):
    trainer, done = window.training.trainer, []
    trainer.finished.connect(lambda: done.append(True))
    window.training_panel.set_config(config)
    window.training_panel.start_button.click()
    wait(app, until=lambda: bool(done))


def synthetic_history(window, config):
    """A plausible loss history sent through the controller's signals (no MNIST needed)."""
    trainer, rng = window.training.trainer, np.random.default_rng(0)
    batches = math.ceil(config.train_size / config.batch_size)
    trainer.started.emit(config)
    for epoch in range(1, config.epochs + 1):
        for b in range(1, batches + 1):
            step = (epoch - 1) * batches + b
            loss = 0.08 + 2.2 * math.exp(-step / 25) + 0.08 * rng.standard_normal() ** 2
            seen = step * config.batch_size
            trainer.batch_finished.emit(cnn.BatchInfo(epoch, config.epochs, b, batches, loss, 1100.0,
                                                      seen / 1100, seen, config.epochs * config.train_size))
        info = cnn.EpochInfo(epoch, config.epochs, 0.1 + 0.5 / epoch, 0.9 + 0.02 * epoch,
                             0.08 + 0.2 / epoch ** 1.5, 0.93 + 0.015 * epoch, 1100.0, 5.0 * epoch)
        trainer.epoch_finished.emit(info, window.active.copy_state())
    trainer.completed.emit(cnn.History(epochs=[], stopped=False))
    trainer.finished.emit()


def evaluate_and_open_worst_cell(app, window):
    """Evaluate the weights in use and click the confusion matrix's largest mistake."""
    evaluator, done = window.inspect.evaluator, []
    evaluator.finished.connect(lambda: done.append(True))
    window.evaluation_view.evaluate_button.click()
    wait(app, until=lambda: bool(done))
    report = window.evaluation_view.report
    mistakes = np.where(np.eye(10, dtype=bool), 0, report.confusion)
    true, predicted = np.unravel_index(np.argmax(mistakes), mistakes.shape)
    window.evaluation_view.select_cell(int(true), int(predicted))
    return report


def save_tab(app, window, index, path):
    window.tabs.setCurrentIndex(index)
    wait(app, 0.3)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(path))


def has_mnist(data_dir) -> bool:
    try:
        cnn.find_mnist_dir(data_dir)
    except cnn.MnistNotFoundError:
        return False
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help="MNIST folder (default: $MNIST_DIR, then the cache)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    parser.add_argument("--inside-out", default=str(ROOT / "docs" / "screenshot-inside.png"))
    parser.add_argument("--errors-out", default=str(ROOT / "docs" / "screenshot-errors.png"))
    parser.add_argument("--train-images", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    app.setStyle("Fusion")
    from gui.application import create_window, limit_blas_threads
    from gui.training_worker import TrainingConfig
    limit_blas_threads()
    have_mnist = has_mnist(args.data_dir)
    window = create_window(data_dir=args.data_dir)
    window.resize(1280, 800)
    window.show()
    wait(app, 0.3)
    # From a fresh network, so the loss plot shows it learning.
    config = dataclasses.replace(TrainingConfig(), epochs=args.epochs, train_size=args.train_images,
                                 test_size=2000, from_scratch=True)
    if have_mnist:
        train_for_real(app, window, config)
    else:
        synthetic_history(window, config)
    draw_stroke(window.canvas, two_points())
    window.plots.flush()
    wait(app, 0.3)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(args.out)
    result = window.latest_result
    print(f"saved {args.out}: guess {result.digit if result else None}, {window.active.describe()}")
    save_tab(app, window, 1, args.inside_out)
    print(f"saved {args.inside_out}")
    if have_mnist:
        window.tabs.setCurrentIndex(2)
        report = evaluate_and_open_worst_cell(app, window)
        save_tab(app, window, 2, args.errors_out)
        print(f"saved {args.errors_out}: test accuracy {report.accuracy:.2%}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
