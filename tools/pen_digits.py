"""Replay real pen-drawn digits through the real canvas and report how well they are read.

``../shared/pen-digits/unipen-dev.jsonl.gz`` holds 3,831 digits written on tablets by 97 people
(UNIPEN). Each sample's strokes are scaled from their own bounding box onto the window's canvas
and drawn there as ordinary mouse press/move/release events; the window's own prediction is
then compared with the label. These digits are for measuring only, never for training.

    python tools/pen_digits.py [--weights PATH] [--limit N] [--file PATH]
"""
import argparse
import gzip
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT.parent / "shared" / "pen-digits" / "unipen-dev.jsonl.gz"
DIGIT_SIZE = 0.6  # the sample's longer side spans this fraction of the paper, like a person's digit


def load_samples(path=None):
    """Every sample as a dict (label, subset, writer, strokes); see the data's README."""
    path = Path(path or os.environ.get("PEN_DIGITS_FILE", DEFAULT_FILE))
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


def paper_strokes(sample, size=DIGIT_SIZE):
    """The strokes in paper units (0..1, y down), centred, longer side ``size``, aspect kept."""
    points = [p for stroke in sample["strokes"] for p in stroke]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, y1 = min(xs), max(ys)
    # Tablets differ in resolution per axis: convert to inches first so the shape is not stretched.
    sx, sy = 1 / sample["x_points_per_inch"], 1 / sample["y_points_per_inch"]
    width, height = (max(xs) - x0) * sx, (y1 - min(ys)) * sy
    scale = size / max(width, height, 1e-9)
    left, top = 0.5 - width * scale / 2, 0.5 - height * scale / 2
    return [[(left + (x - x0) * sx * scale, top + (y1 - y) * sy * scale) for x, y in stroke]
            for stroke in sample["strokes"]]


def replay(canvas, strokes):
    """Draw paper-unit strokes on ``canvas`` with real mouse events (QTest), one stroke each."""
    # Imported here: loading and scaling samples needs no Qt, and run as a script this module
    # finds the ``tools`` package only once main() has put the repository on sys.path.
    from tools.mouse import draw_stroke

    for stroke in strokes:
        draw_stroke(canvas, stroke)


def read_all(window, samples, on_progress=None):
    """Replay each sample on ``window.canvas``; returns ``[(sample, predicted digit or None)]``."""
    results = []
    for i, sample in enumerate(samples):
        window.canvas.clear()
        replay(window.canvas, paper_strokes(sample))
        result = window.latest_result
        results.append((sample, None if result is None else result.digit))
        if on_progress:
            on_progress(i + 1, len(samples))
    window.canvas.clear()
    return results


def accuracy_by_set(results):
    """``{subset: (correct, total)}`` plus ``"pooled"``."""
    counts = defaultdict(lambda: [0, 0])
    for sample, digit in results:
        for key in (sample["subset"], "pooled"):
            counts[key][0] += digit == sample["label"]
            counts[key][1] += 1
    return {k: tuple(v) for k, v in counts.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", help="weights file (default: the shipped weights)")
    parser.add_argument("--file", help=f"pen-digits file (default {DEFAULT_FILE})")
    parser.add_argument("--limit", type=int, help="only every k-th sample, about N in all")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    from gui.application import create_window, limit_blas_threads
    from gui.dialogs import unattended_options

    limit_blas_threads()
    app = QApplication.instance() or QApplication([])  # noqa: F841
    window = create_window(weights_path=args.weights, **unattended_options())
    window.show()
    window.resize(1100, 720)  # after show: the window fits itself to the screen when shown
    samples = load_samples(args.file)
    if args.limit:
        samples = samples[::max(1, len(samples) // args.limit)]
    start = time.perf_counter()
    results = read_all(window, samples, lambda done, total: print(
        f"\r{done}/{total}", end="", file=sys.stderr) if done % 100 == 0 else None)
    print(file=sys.stderr)
    print(f"weights: {args.weights or 'shipped'}")
    for key, (correct, total) in sorted(accuracy_by_set(results).items(), key=lambda kv: kv[0] == "pooled"):
        print(f"{key:>7}: {correct / total:7.2%}  ({correct}/{total})")
    print(f"{len(samples)} samples replayed in {time.perf_counter() - start:.0f} s")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
