"""Draw pen strokes straight into a 28x28 MNIST-style image, with MNIST's pen.

A person's digit reaches the network as the list of points the pen passed through, not as the
pixels of the canvas. ``render_strokes`` scales those points so that the digit, pen included,
fits MNIST's 20x20 box, then draws every stroke with one pen width measured in *that* box
(``PEN_WIDTH``), and moves the centre of mass to the middle as MNIST did. So a digit drawn small
in a corner, large, with a thin pen or a thick one gives the same input; and since the input is
a function of the points alone, the same strokes always give the same image, however they were
drawn, undone or redrawn.

Pixels are covered by a linear ramp one pixel wide at the pen's edge (value
``clip(width / 2 + 0.5 - distance, 0, 1)``), the anti-aliased look of MNIST's grey edges.
Pure NumPy, vectorised over pixels and segments: a few hundred points render in about a
millisecond.
"""
import numpy as np

from .preprocess import BOX, place_by_mass

# MNIST's stroke width in the 20x20 box, in pixels: the width whose strokes measure like MNIST's
# 60,000 training digits by 2 * area / perimeter of the ink above half intensity (median 1.96;
# a 2.5 px pen here measures 2.03). See tests/cnn/test_render.py.
PEN_WIDTH = 2.5
MIN_STEP = 0.25        # output pixels of path between the points kept: finer adds nothing
_CHUNK = 64            # segments per distance pass, over the pixels near them only


def render_strokes(strokes, pen_width=PEN_WIDTH):
    """The 28x28 network input for a drawing given as strokes.

    Args:
        strokes: sequence of strokes, each a sequence of ``(x, y)`` points in any units that are
            the same along both axes (y pointing down, as on a screen). A one-point stroke is a dot.
        pen_width: stroke width in pixels of the 20x20 box (default MNIST's).
    Returns:
        float32 ``(28, 28)`` in 0..1, ink bright, or ``None`` when there are no points.
    Example:
        >>> one = [[(0.5, 0.1), (0.5, 0.9)]]
        >>> render_strokes(one).shape
        (28, 28)
    """
    lines = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes]
    lines = [s for s in lines if len(s)]
    if not lines:
        return None
    if not all(np.isfinite(s).all() for s in lines):
        raise ValueError("stroke points must be finite numbers")
    if not 0 < pen_width < BOX:
        raise ValueError(f"pen_width must be in (0, {BOX}), got {pen_width}")
    points = np.concatenate(lines)
    low = points.min(axis=0)
    extent = points.max(axis=0) - low
    longest = float(extent.max())
    scale = (BOX - pen_width) / longest if longest > 0 else 0.0
    width, height = np.ceil(extent * scale + pen_width - 1e-6).astype(int)
    # Centre the drawing in its box so the leftover fraction of a pixel is split evenly.
    offset = (np.array([width, height]) - extent * scale) / 2
    a, b = _segments([(s - low) * scale + offset for s in lines])
    small = _coverage(a, b, height, width, pen_width / 2)
    return place_by_mass(small)


def _segments(lines):
    """Start and end points ``(S, 2)`` of every segment; a dot is a segment of length 0."""
    starts, ends = [], []
    for line in lines:
        kept = _thin(line)
        if len(kept) == 1:
            kept = np.vstack([kept, kept])
        starts.append(kept[:-1])
        ends.append(kept[1:])
    return np.concatenate(starts), np.concatenate(ends)


def _thin(line):
    """``line (n, 2)`` keeping one point per ``MIN_STEP`` of path length, and both ends."""
    if len(line) < 3:
        return line
    travelled = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(line, axis=0).T))])
    step = np.floor(travelled / MIN_STEP)
    keep = np.concatenate([[True], step[1:] > step[:-1]])
    keep[-1] = True
    return line[keep]


def _coverage(a, b, height, width, radius):
    """Ink ``(height, width)`` float32: the ramp of each pixel centre's distance to the segments."""
    ys, xs = np.mgrid[0:height, 0:width]
    centres = np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5], axis=1)
    nearest = np.full(len(centres), np.inf)
    reach = radius + 0.5  # further than this from every segment: no ink, whatever the distance
    for start in range(0, len(a), _CHUNK):
        sa, sb = a[start:start + _CHUNK], b[start:start + _CHUNK]
        # Only the pixels near this run of segments can get ink from it: a long scribble's
        # segments each touch a small part of the box.
        low = np.minimum(sa.min(axis=0), sb.min(axis=0)) - reach
        high = np.maximum(sa.max(axis=0), sb.max(axis=0)) + reach
        near = np.flatnonzero(((centres >= low) & (centres <= high)).all(axis=1))
        if near.size:
            nearest[near] = np.minimum(nearest[near], _distance(centres[near], sa, sb))
    ink = np.clip(reach - nearest, 0.0, 1.0)
    return ink.reshape(height, width).astype(np.float32)


def _distance(p, a, b):
    """Distance of each point ``p (P, 2)`` to the nearest of the segments ``a``-``b`` ``(S, 2)``: ``(P,)``."""
    d = b - a
    length2 = np.maximum((d * d).sum(axis=1), 1e-12)
    rel_x = p[:, None, 0] - a[None, :, 0]
    rel_y = p[:, None, 1] - a[None, :, 1]
    t = np.clip((rel_x * d[:, 0] + rel_y * d[:, 1]) / length2, 0.0, 1.0)
    rel_x -= t * d[:, 0]
    rel_y -= t * d[:, 1]
    return np.sqrt((rel_x * rel_x + rel_y * rel_y).min(axis=1))
