"""Render the real window offscreen and save it as ``docs/screenshot.png`` (and the other tabs).

    python tools/screenshot.py [--data-dir DIR] [--out PATH] [--inside-out PATH] [--errors-out PATH]
                               [--train-images N] [--epochs N]

With MNIST the window starts untrained (as without shipped weights) and trains a fresh network
for a short run, which then stays in use (so the loss plot shows it learning), then draws a
digit with real mouse events so the prediction, the bars and the 28x28 preview are filled in.
Without MNIST it feeds a made-up history to the training views' own setters instead, and
predicts with the weights it opened. Then it shows the "Look inside" tab (feature maps of
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
    """Start a run from the training controls, as a person would, and wait until it is over."""
    training, done = window.training, []
    training.run_ended.connect(lambda: done.append(True))  # emitted on the main thread
    window.training_view.set_config(config, from_scratch=True)
    window.training_view.start_button.click()
    wait(app, until=lambda: bool(done))


def synthetic_history(window, config):
    """A plausible loss history shown through the training views' own setters (no MNIST needed)."""
    from gui.train.controls_view import epoch_line
    controls, plots, rng = window.training_view, window.plots, np.random.default_rng(0)
    batches = math.ceil(config.train_size / config.batch_size)
    controls.set_config(config, from_scratch=True)
    controls.set_running(True)
    controls.reset_progress()
    plots.reset()
    controls.append_log(f"Made-up history (no MNIST): {config.train_size:,} images for {config.epochs} "
                        f"epoch(s), batch {config.batch_size}.")
    for epoch in range(1, config.epochs + 1):
        for b in range(1, batches + 1):
            step = (epoch - 1) * batches + b
            loss = 0.08 + 2.2 * math.exp(-step / 25) + 0.08 * rng.standard_normal() ** 2
            seen = (epoch - 1) * config.train_size + min(b * config.batch_size, config.train_size)
            info = cnn.BatchInfo(epoch, config.epochs, b, batches, loss, 1100.0, seen / 1100, seen,
                                 config.epochs * config.train_size)
            plots.add_batch(info)
            controls.show_batch(info)
        info = cnn.EpochInfo(epoch, config.epochs, 0.1 + 0.5 / epoch, 0.9 + 0.02 * epoch,
                             0.08 + 0.2 / epoch ** 1.5, 0.93 + 0.015 * epoch, 1100.0, 5.0 * epoch, batches)
        plots.add_epoch(info)
        controls.append_log(epoch_line(info))
    controls.finish_progress(f"Finished {config.epochs} epoch(s).")
    controls.set_running(False)
    plots.flush()


def evaluate_and_open_worst_cell(app, window):
    """Evaluate the weights in use and click the confusion matrix's largest mistake."""
    done = []
    window.inspect.evaluation_ended.connect(lambda: done.append(True))  # emitted on the main thread
    window.evaluation_view.evaluate_button.click()
    wait(app, until=lambda: bool(done))
    report = window.evaluation_view.report
    if report is None:
        raise RuntimeError(f"no evaluation report: {window.evaluation_view.status_label.text()}")
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
    from gui.application import SHIPPED_WEIGHTS, create_window, limit_blas_threads
    from gui.dialogs import unattended_options
    from gui.train.controls_view import WINDOW_DEFAULTS
    limit_blas_threads()
    have_mnist = has_mnist(args.data_dir)
    # With MNIST the window starts untrained (no shipped weights found): a short run then stays in
    # use, as a better run would, instead of losing to the shipped weights and being offered.
    shipped = ROOT / "weights" / "not-shipped.npz" if have_mnist else SHIPPED_WEIGHTS
    window = create_window(data_dir=args.data_dir, shipped_path=shipped, **unattended_options())
    window.show()
    window.resize(1280, 800)  # after show: the window fits itself to the screen when shown
    wait(app, 0.3)
    # From a fresh network, so the loss plot shows it learning.
    config = dataclasses.replace(WINDOW_DEFAULTS, epochs=args.epochs, train_size=args.train_images,
                                 test_size=2000)
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
