"""Measure what looking inside costs, and print the figures.

    python tools/measure_inspect.py [--data-dir DIR] [--repeats N]

1. Live path per prediction, with the "Look inside" tab showing: the feature maps
   (``model.activations`` -> conv blocks -> one mosaic per block -> ``setImage``), then the same
   with a synchronous repaint of the maps; next to it a whole prediction as the canvas triggers
   it (strokes -> render_strokes -> forward -> prediction view and feature maps), for scale.
2. Evaluation of the weights in use on the 10,000 test digits on the worker thread, from the click
   to the report shown, and the longest gap of a 10 ms QTimer probe meanwhile.

Figures are from this machine in one run, on the offscreen platform unless QT_QPA_PLATFORM says
otherwise. Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from screenshot import two_points, wait  # noqa: E402
from tools.mouse import draw_stroke  # noqa: E402


def per_call_ms(fn, repeats: int) -> float:
    """Median milliseconds of ``fn()`` over ``repeats`` calls (after two warm-up calls)."""
    fn(), fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def live_path(window, repeats: int) -> None:
    from cnn.feature_maps import read_blocks
    window.tabs.setCurrentIndex(1)
    predictor, inspect, view = window.predictor, window.inspect, window.feature_maps_view
    prediction = predictor.latest
    mean, std = window.active.normalization

    def maps_and_paint():
        inspect.show_feature_maps(prediction)
        view.graphics.viewport().repaint()

    figures = {
        "activations only (model.activations + blocks)":
            per_call_ms(lambda: read_blocks(window.active.model, prediction.image, mean, std), repeats),
        "feature maps: tiles (setImage), maps come with the guess": per_call_ms(lambda: inspect.show_feature_maps(prediction),
                                                                    repeats),
        "feature maps + synchronous repaint": per_call_ms(maps_and_paint, repeats),
        "a whole prediction: ink -> guess -> both views": per_call_ms(predictor.predict_now, repeats),
    }
    print(f"Live path, median of {repeats} (ms per prediction):")
    for name, ms in figures.items():
        print(f"  {name:48s} {ms:6.2f}")


def evaluation(app, window) -> None:
    from PySide6.QtCore import QTimer
    window.tabs.setCurrentIndex(2)
    done, gaps = [], []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    probe = QTimer()
    probe.setInterval(10)
    probe.timeout.connect(tick)
    window.inspect.evaluation_ended.connect(lambda: done.append(time.perf_counter()))  # main thread
    probe.start()
    wait(app, 1.0)
    idle = list(gaps)
    gaps.clear()
    start = time.perf_counter()
    window.evaluation_view.evaluate_button.click()
    wait(app, until=lambda: bool(done))
    probe.stop()
    report = window.evaluation_view.report
    if report is None:
        print(f"Evaluation: no report ({window.evaluation_view.status_label.text()})")
        return
    print(f"Evaluation of {len(report.labels):,} test digits on the worker thread: "
          f"{done[0] - start:.2f} s (accuracy {report.accuracy:.2%})")
    print(f"  10 ms probe meanwhile: {len(gaps)} ticks, longest gap {1000 * max(gaps):.0f} ms, "
          f"median {1000 * float(np.median(gaps)):.0f} ms (idle: longest {1000 * max(idle):.0f} ms, "
          f"median {1000 * float(np.median(idle)):.0f} ms)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help="MNIST folder (default: $MNIST_DIR, then the cache)")
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    app.setStyle("Fusion")
    from gui.application import create_window, limit_blas_threads
    from gui.dialogs import unattended_options
    limit_blas_threads()
    window = create_window(data_dir=args.data_dir, **unattended_options())
    window.show()
    window.resize(1280, 800)  # after show: the window fits itself to the screen when shown
    wait(app, 0.3)
    draw_stroke(window.canvas, two_points())
    wait(app, 0.2)
    print(window.active.describe())
    live_path(window, args.repeats)
    evaluation(app, window)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
