"""People's handwriting: real tablet strokes replayed on the real canvas as mouse events."""
import os
from pathlib import Path

import pytest

from tools.pen_digits import DEFAULT_FILE, accuracy_by_set, load_samples, paper_strokes, read_all


@pytest.fixture(scope="module")
def pen_samples():
    path = Path(os.environ.get("PEN_DIGITS_FILE", DEFAULT_FILE))
    if not path.is_file() and not os.environ.get("CI"):
        pytest.skip(f"no pen digits at {path} (CI has them)")
    return load_samples(path)


def test_strokes_are_scaled_onto_the_paper_keeping_their_shape(pen_samples):
    sample = pen_samples[0]
    strokes = paper_strokes(sample, size=0.6)
    xs = [x for s in strokes for x, _ in s]
    ys = [y for s in strokes for _, y in s]
    assert max(max(xs) - min(xs), max(ys) - min(ys)) == pytest.approx(0.6)
    assert 0.2 <= min(xs) and max(xs) <= 0.8 and 0.2 <= min(ys) and max(ys) <= 0.8
    first = sample["strokes"][0]
    # y points up on the tablet and down on screen: the first point's rank flips
    top = max(p[1] for s in sample["strokes"] for p in s)
    assert (first[0][1] == top) == (strokes[0][0][1] == pytest.approx(min(ys)))


def test_pen_digits_drawn_on_the_canvas_are_read(make_window, shipped_weights, pen_samples):
    window = make_window(shipped_path=shipped_weights)
    window.resize(1000, 700)
    subset = pen_samples[::6]  # ~640 samples from every set, a few seconds
    counts = accuracy_by_set(read_all(window, subset))
    correct, total = counts.pop("pooled")
    assert total == len(subset) and set(counts) == {"aga", "apa", "app", "gmd", "tos"}
    assert correct / total >= 0.96, counts
    assert window.canvas.is_empty()
