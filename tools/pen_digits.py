"""Replay real pen-drawn digits through the real canvas and report how well they are read.

``../shared/pen-digits/unipen-dev.jsonl.gz`` holds 3,831 digits written on tablets by 97 people
(UNIPEN). Each sample's strokes are scaled from their own bounding box onto the window's canvas
and drawn there as ordinary mouse press/move/release events; the window's own prediction is
then compared with the label. These digits are for measuring only, never for training.

    python tools/pen_digits.py [--weights PATH] [--limit N] [--file PATH] [--size F] [--pen W]

``--size`` is the fraction of the paper the digit's longer side spans (default 0.6; 0.15 is a
digit drawn at 25% of the normal size) and ``--pen`` the canvas pen width as a fraction of the
paper (0.01 is the thinnest the Pen slider gives, 0.2 the thickest). ``--train-fresh`` first
trains a fresh network in the window with its default settings (Start training, as a new user
would, MNIST from ``--data-dir`` or ``$MNIST_DIR``) and replays the digits on that run's weights.
Besides accuracy it reports how many readings were *unsure* ("not sure" in the window) and the
accuracy of the sure ones. ``--file ../shared/pen-nondigits/unipen-nondigits-dev.jsonl.gz``
replays the letters and symbols instead: there, only the unsure share means anything.
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


def read_all(window, samples, on_progress=None, size=DIGIT_SIZE):
    """Replay each sample on ``window.canvas``; returns ``[(sample, digit or None, unsure)]``."""
    results = []
    for i, sample in enumerate(samples):
        window.canvas.clear()
        replay(window.canvas, paper_strokes(sample, size))
        result = window.latest_result
        results.append((sample, None if result is None else result.digit,
                        result is None or result.unsure))
        if on_progress:
            on_progress(i + 1, len(samples))
    window.canvas.clear()
    return results


def train_fresh(window):
    """Start a run from scratch with the window's default settings and put its best epoch in use."""
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    window.training.run_ended.connect(loop.quit)
    config = window.training.controls.config()
    start = time.perf_counter()
    if not window.training.start(from_scratch=True):
        raise SystemExit("pen_digits: training could not start (is MNIST there?)")
    loop.exec()
    result = window.training.result
    if result is None or result.best is None:
        raise SystemExit("pen_digits: the run ended without a tested epoch")
    window.training.use_result(result)
    print(f"trained: {config}; best epoch {result.best.epoch}, MNIST test "
          f"{result.best.val_accuracy:.2%}, {time.perf_counter() - start:.0f} s")


def accuracy_by_set(results):
    """``{subset: (correct, total)}`` plus ``"pooled"``."""
    counts = defaultdict(lambda: [0, 0])
    for sample, digit, *_ in results:
        for key in (sample["subset"], "pooled"):
            counts[key][0] += digit == sample["label"]
            counts[key][1] += 1
    return {k: tuple(v) for k, v in counts.items()}


def unsure_by_set(results):
    """``{subset: (unsure, total, correct among the sure, sure)}`` plus ``"pooled"``."""
    counts = defaultdict(lambda: [0, 0, 0, 0])
    for sample, digit, unsure in results:
        for key in (sample["subset"], "pooled"):
            row = counts[key]
            row[0] += unsure
            row[1] += 1
            row[2] += (not unsure) and digit == sample["label"]
            row[3] += not unsure
    return {k: tuple(v) for k, v in counts.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", help="weights file (default: the shipped weights)")
    parser.add_argument("--file", help=f"pen-digits file (default {DEFAULT_FILE})")
    parser.add_argument("--limit", type=int, help="only every k-th sample, about N in all")
    parser.add_argument("--size", type=float, default=DIGIT_SIZE,
                        help=f"the digit's longer side, as a fraction of the paper (default {DIGIT_SIZE})")
    parser.add_argument("--pen", type=float, help="canvas pen width, fraction of the paper (0.01-0.2)")
    parser.add_argument("--train-fresh", action="store_true",
                        help="first train a fresh network in the window with its default settings")
    parser.add_argument("--data-dir", help="MNIST folder for --train-fresh (default $MNIST_DIR)")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    from gui.application import create_window, limit_blas_threads
    from gui.dialogs import unattended_options

    limit_blas_threads()
    app = QApplication.instance() or QApplication([])  # noqa: F841
    window = create_window(weights_path=args.weights, data_dir=args.data_dir, **unattended_options())
    window.show()
    window.resize(1100, 720)  # after show: the window fits itself to the screen when shown
    if args.pen is not None:
        window.canvas.set_pen_width(args.pen)
    if args.train_fresh:
        train_fresh(window)
    samples = load_samples(args.file)
    if args.limit:
        samples = samples[::max(1, len(samples) // args.limit)]
    start = time.perf_counter()
    results = read_all(window, samples, lambda done, total: print(
        f"\r{done}/{total}", end="", file=sys.stderr) if done % 100 == 0 else None, args.size)
    print(file=sys.stderr)
    weights = "a fresh default run in the window" if args.train_fresh else args.weights or "shipped"
    print(f"weights: {weights}; digit size {args.size:g} of a "
          f"{window.canvas.paper_rect().width():.0f}-pixel paper; pen {window.canvas.pen_width():g}")
    digits = isinstance(samples[0]["label"], int)  # the non-digits file has letters for labels
    accuracy = accuracy_by_set(results)
    for key, (unsure, total, right, sure) in sorted(unsure_by_set(results).items(),
                                                     key=lambda kv: kv[0] == "pooled"):
        line = f"{key:>7}: unsure {unsure / total:7.2%} ({unsure}/{total})"
        if digits:
            correct = accuracy[key][0]
            line = (f"{key:>7}: {correct / total:7.2%}  ({correct}/{total});  unsure {unsure / total:.2%},"
                    f" right when sure {right / max(sure, 1):.2%} ({right}/{sure})")
        print(line)
    print(f"{len(samples)} samples replayed in {time.perf_counter() - start:.0f} s")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
