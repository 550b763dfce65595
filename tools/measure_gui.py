"""Measure how responsive the window is, and print the figures.

    python tools/measure_gui.py [--data-dir DIR] [--weights PATH] [--train-images N]

1. Window-up time: from starting a fresh Python process to the window shown with its event loop
   running (measured in a child process, so imports count).
2. Event-loop stall while training: a 10 ms QTimer probe records the gaps between its ticks while
   a training run of a few thousand images goes on in the worker thread; idle for comparison.
3. Mouse-move to shown prediction: for ~200 drawn moves, the time from the move event to the
   prediction view updated and repainted (strokes -> render_strokes -> normalize -> forward -> view);
   idle and during training. Also the live (coalesced) path with moves arriving at 125 Hz: for
   every move, the time until a guess that includes it is shown (any wait for the loop included).

Figures are from this machine in one run; on the offscreen platform unless QT_QPA_PLATFORM says
otherwise. Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
def report():
    print("UP", time.time(), flush=True)
    app.exit(0)
QTimer.singleShot(0, report)  # runs once the window is shown and the event loop turns
import gui
sys.exit(gui.run(weights_path={weights!r}))
"""


def window_up_seconds(weights, repeats=3):
    """Seconds from spawning ``python`` to the shown window's event loop running (best, median)."""
    times = []
    for _ in range(repeats):
        start = time.time()
        out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), weights=weights)],
                             capture_output=True, text=True, timeout=120, cwd=ROOT)
        line = next((l for l in out.stdout.splitlines() if l.startswith("UP ")), None)
        if line is None:
            raise RuntimeError(f"the window did not come up:\n{out.stderr}")
        times.append(float(line.split()[1]) - start)
    return min(times), float(np.median(times))


class StallProbe:
    """A 10 ms timer that records the gaps between its ticks (a blocked loop shows as a long gap)."""

    def __init__(self, interval_ms=10):
        from PySide6.QtCore import QTimer
        self.gaps, self._last = [], None
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def _tick(self):
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append(now - self._last)
        self._last = now

    def start(self):
        self.gaps, self._last = [], None
        self.timer.start()

    def stop(self):
        self.timer.stop()
        return np.array(self.gaps) * 1000


def wait(app, seconds=None, until=None):
    end = time.perf_counter() + (seconds or 1e9)
    while time.perf_counter() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.001)


def stroke_points(window, n=200):
    """``n`` pixel positions along a '2'-like curve over the canvas."""
    from PySide6.QtCore import QPoint
    rect = window.canvas.paper_rect()
    pts = []
    for t in np.linspace(0, 1, n):
        if t < 0.6:
            a = math.pi * (1.1 - 1.5 * t / 0.6)
            x, y = 0.5 + 0.22 * math.cos(a), 0.35 - 0.18 * math.sin(a)
        else:
            s = (t - 0.6) / 0.4
            x, y = (0.6 - 0.35 * s, 0.45 + 0.35 * s) if s < 0.7 else (0.39 + 0.4 * (s - 0.7) / 0.3, 0.8)
        pts.append(QPoint(round(rect.x() + x * rect.width()), round(rect.y() + y * rect.height())))
    return pts


def move_latencies(app, window):
    """Per move: event -> prediction -> view repainted, in ms (forced at once)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    canvas, pts, out = window.canvas, stroke_points(window), []
    canvas.clear()
    QTest.mousePress(canvas, Qt.LeftButton, Qt.NoModifier, pts[0])
    for p in pts[1:]:
        start = time.perf_counter()
        QTest.mouseMove(canvas, p)
        window.predictor.predict_now()
        window.prediction_view.repaint()
        out.append(time.perf_counter() - start)
        app.processEvents()
    QTest.mouseRelease(canvas, Qt.LeftButton, Qt.NoModifier, pts[-1])
    return np.array(out) * 1000


def live_latencies(app, window, interval_s=0.008):
    """Moves at 125 Hz through the real coalescing: for every move, ms until a guess includes it."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    canvas, pts, latencies, pending = window.canvas, stroke_points(window), [], []

    def shown(_):
        now = time.perf_counter()
        latencies.extend(now - t for t in pending)
        pending.clear()

    window.predictor.predicted.connect(shown)
    canvas.clear()
    QTest.mousePress(canvas, Qt.LeftButton, Qt.NoModifier, pts[0])
    for p in pts[1:]:
        next_move = time.perf_counter() + interval_s
        pending.append(time.perf_counter())
        QTest.mouseMove(canvas, p)
        wait(app, until=lambda: time.perf_counter() >= next_move)
    wait(app, 0.1)  # the last pending moves are read by the trailing tick, before the release
    QTest.mouseRelease(canvas, Qt.LeftButton, Qt.NoModifier, pts[-1])
    window.predictor.predicted.disconnect(shown)
    return np.array(latencies) * 1000


def describe(name, values_ms):
    if len(values_ms) == 0:
        return f"{name}: no samples"
    p50, p95, p99 = np.percentile(values_ms, [50, 95, 99])
    return (f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {values_ms.max():.1f} ms "
            f"(n={len(values_ms)})")


def measure_idle(app, window):
    probe = StallProbe()
    probe.start()
    wait(app, 2.0)
    print(describe("event-loop gaps, idle (10 ms probe)", probe.stop()))
    print(describe("move -> prediction shown, idle", move_latencies(app, window)))
    print(describe("move -> guess, live path at 125 Hz, idle", live_latencies(app, window)))


def measure_training(app, window, train_images):
    from gui.train.controls_view import WINDOW_DEFAULTS
    config = dataclasses.replace(WINDOW_DEFAULTS, epochs=1, train_size=train_images, test_size=2000)
    training, done = window.training, []
    training.run_ended.connect(lambda: done.append(True))  # emitted on the main thread
    probe = StallProbe()
    probe.start()
    started = time.perf_counter()
    if not training.start(config):
        raise RuntimeError("the training run did not start")
    wait(app, 1.0)  # MNIST loaded and batches going
    during_move = move_latencies(app, window) if training.is_running() else np.array([])
    during_live = live_latencies(app, window) if training.is_running() else np.array([])
    wait(app, until=lambda: bool(done))
    gaps, took = probe.stop(), time.perf_counter() - started
    epochs = training.result.history.epochs if training.result else []
    rate = f", {epochs[-1].images_per_sec:,.0f} images/s" if epochs else " (no epoch finished)"
    print(f"training run: {train_images:,} images + 2,000 test images, "
          f"{'augmented' if config.augment else 'not augmented'}, {config.workers} thread(s), "
          f"{took:.1f} s{rate}, {window.plots.batch_count} batches plotted")
    print(describe("event-loop gaps while training (10 ms probe)", gaps))
    print(describe("move -> prediction shown, during training", during_move))
    print(describe("move -> guess, live path at 125 Hz, during training", during_live))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help="MNIST folder (default: $MNIST_DIR, then the cache)")
    parser.add_argument("--weights", help="weights to open (default: the shipped ones)")
    parser.add_argument("--train-images", type=int, default=4000)
    args = parser.parse_args(argv)
    print(f"platform {os.environ['QT_QPA_PLATFORM']}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    best, median = window_up_seconds(args.weights)
    print(f"window up from process start: best {best:.2f} s, median {median:.2f} s (3 launches)")

    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from gui.application import create_window, limit_blas_threads
    from gui.dialogs import unattended_options
    limit_blas_threads()  # as gui.run() does
    window = create_window(args.weights, args.data_dir, **unattended_options())
    window.show()
    wait(app, 0.3)
    print(window.active.describe())
    measure_idle(app, window)
    measure_training(app, window, args.train_images)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
