"""Strokes drawn straight into the network's 28x28 input with MNIST's pen (``cnn.render_strokes``)."""
import numpy as np
import pytest

import cnn
from cnn.preprocess import CENTER, center_of_mass
from cnn.render import PEN_WIDTH, render_strokes


def seven(scale=1.0, left=0.0, top=0.0):
    """A seven with a crossbar, as two strokes in arbitrary units."""
    bar_and_stem = [(0.2, 0.1), (0.5, 0.1), (0.8, 0.12), (0.62, 0.5), (0.45, 0.9)]
    cross = [(0.45, 0.5), (0.78, 0.5)]
    return [[(left + x * scale, top + y * scale) for x, y in s] for s in (bar_and_stem, cross)]


def densified(strokes, per_segment):
    """The same lines through many more points (as a fast mouse gives few, a slow pen many)."""
    out = []
    for s in strokes:
        pts = np.asarray(s, float)
        t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
        dense = [p + t * (q - p) for p, q in zip(pts[:-1], pts[1:])]
        out.append([tuple(p) for p in np.concatenate(dense + [pts[-1:]])])
    return out


def stroke_width(images):
    """MNIST-style stroke width estimate: 2 * area / perimeter of the ink above half."""
    ink = images > 0.5
    area = ink.sum(axis=(1, 2))
    padded = np.pad(ink, ((0, 0), (1, 1), (1, 1)))
    perimeter = ((padded[:, 1:] != padded[:, :-1]).sum(axis=(1, 2))
                 + (padded[:, :, 1:] != padded[:, :, :-1]).sum(axis=(1, 2)))
    return 2 * area / perimeter


def test_same_digit_at_any_size_and_place_gives_the_same_input():
    normal = render_strokes(seven())
    for scale, left, top in [(0.25, 0.7, 0.7), (3.0, -5, 2), (1000.0, 40, 40), (0.01, 0.1, 0.9)]:
        np.testing.assert_allclose(render_strokes(seven(scale, left, top)), normal, atol=1e-4)


def test_how_many_points_the_pen_reported_does_not_matter():
    normal = render_strokes(seven())
    for per_segment in (2, 10, 200):
        difference = np.abs(render_strokes(densified(seven(), per_segment)) - normal)
        # Dense points are kept one per quarter pixel of path, which may round a sharp corner
        # by up to an eighth of a pixel: a little grey at the corners, nothing elsewhere.
        assert difference.max() < 0.15 and difference.mean() < 0.003


def test_the_same_strokes_always_give_the_same_input():
    strokes = densified(seven(), 30)
    first = render_strokes(strokes)
    assert np.array_equal(render_strokes([list(s) for s in strokes]), first)
    assert np.array_equal(render_strokes(strokes[::-1]), first)  # stroke order is no matter either


def test_input_looks_like_mnist():
    image = render_strokes(seven())
    assert image.dtype == np.float32 and image.shape == (28, 28)
    assert image.max() == pytest.approx(1.0) and image.min() == 0.0
    rows = np.flatnonzero(image.max(axis=1) > 0)
    cols = np.flatnonzero(image.max(axis=0) > 0)
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 == 20  # fits MNIST's 20x20 box
    row, col = center_of_mass(image)
    assert abs(row - CENTER) <= 0.5 and abs(col - CENTER) <= 0.5
    assert ((image > 0.05) & (image < 0.95)).sum() > 20  # anti-aliased edges


def test_pen_width_is_in_box_pixels_whatever_the_drawing_size():
    thin, thick = render_strokes(seven(), pen_width=1.5), render_strokes(seven(), pen_width=3.5)
    assert stroke_width(thin[None])[0] < stroke_width(thick[None])[0] - 1


def test_the_pen_matches_mnists_stroke_width(mnist_dir):
    """The default pen draws strokes as wide as MNIST's training digits, by one 2*area/perimeter measure."""
    images, _ = cnn.load_mnist("train", mnist_dir)
    mnist = np.median(stroke_width(images / np.float32(255)))
    rng = np.random.default_rng(0)
    t = np.linspace(0, 2 * np.pi, 80)
    shapes = []
    for _ in range(100):  # rings, tilted lines and curls of random proportions
        r, angle, lean = rng.uniform(0.4, 1.0), rng.uniform(0, np.pi), rng.uniform(-0.3, 0.3)
        shapes.append([list(zip(np.cos(t) * r, np.sin(t)))])
        line = np.linspace(0, 1, 40)
        shapes.append([list(zip(line * np.cos(angle) + lean * np.sin(5 * line), line * np.sin(angle)))])
        shapes.append([list(zip(np.sin(1.5 * t) * 0.4, t / 6))])
    ours = np.median(stroke_width(np.stack([render_strokes(s) for s in shapes])))
    assert abs(ours - mnist) < 0.15, (ours, mnist)


def test_a_dot_and_a_straight_line():
    dot = render_strokes([[(3.0, 4.0)]])
    assert dot is not None and 0 < (dot > 0.5).sum() <= 9
    line = render_strokes([[(0, 0), (0, 1)]])  # a one: tall and one pen wide
    cols = np.flatnonzero(line.max(axis=0) > 0.5)
    assert len(cols) <= 3 and (line.max(axis=1) > 0.5).sum() >= 19


def test_nothing_to_draw_is_none():
    assert render_strokes([]) is None
    assert render_strokes([[], []]) is None


@pytest.mark.parametrize("strokes", [[[(0, 0), (np.nan, 1)]], [[(0, 0), (np.inf, 1)]]])
def test_points_that_are_not_numbers_are_refused(strokes):
    with pytest.raises(ValueError, match="finite"):
        render_strokes(strokes)


@pytest.mark.parametrize("width", [0, -1, 20, float("nan")])
def test_bad_pen_width_is_refused(width):
    with pytest.raises(ValueError, match="pen_width"):
        render_strokes(seven(), pen_width=width)


def test_a_long_scribble_renders_whole():
    rng = np.random.default_rng(0)
    scribble = [list(map(tuple, np.cumsum(rng.normal(0, 0.01, (5000, 2)), axis=0)))]
    image = render_strokes(scribble)
    assert image.shape == (28, 28) and image.max() == pytest.approx(1.0)


def test_default_pen_is_mnists():
    assert 2.0 <= PEN_WIDTH <= 3.0


def test_only_nearby_pixels_are_visited_yet_the_ink_is_exact():
    """The per-run pixel culling gives the same ink as every pixel against every segment."""
    from cnn.render import _coverage, _distance
    rng = np.random.default_rng(4)
    points = np.cumsum(rng.normal(0, 0.4, (700, 2)), axis=0)
    points = (points - points.min(axis=0)) / np.ptp(points, axis=0).max() * 17 + 1.5
    a, b = points[:-1], points[1:]
    ys, xs = np.mgrid[0:20, 0:20]
    centres = np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5], axis=1)
    brute = np.clip(1.75 - _distance(centres, a, b), 0, 1).reshape(20, 20)
    np.testing.assert_allclose(_coverage(a, b, 20, 20, 1.25), brute, atol=1e-6)
