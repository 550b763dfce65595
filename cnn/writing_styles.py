"""Writing conventions that MNIST's writers did not use, added to MNIST training images.

Many people (programmers, and writers taught in much of Europe) slash their zeros, cross their
sevens, and start their ones with a long up-stroke. MNIST has almost none of these, so a network
trained on it reads "Ø" as an 8 and a flagged 1 as a 7. Drawing those strokes onto a share of
MNIST's own digits teaches the conventions without any non-MNIST data. Each changed digit is
normalised again (``to_mnist``), as a drawing with the extra stroke would be: a slash that sticks
out makes the zero inside it smaller.

The training recipe adds slashed zeros only: with crossed sevens and flagged ones as well, runs of
30-40 epochs read more real flagged ones as sevens (weights/README.md has the figures).
"""
import numpy as np

from .preprocess import to_mnist

SHARE = 0.2  # of each class's digits that get the convention
_MARGIN = 10  # pixels around the field, room for strokes that stick out


def add_writing_styles(images, labels, rng, share=SHARE):
    """A copy of ``images`` with slashed zeros, crossed sevens and flagged ones added.

    Args:
        images: uint8 ``(N, 28, 28)``, ink bright (left unchanged).
        labels: ``(N,)``; rng: ``numpy.random.Generator``.
        share: fraction of the zeros, sevens and ones that are changed.
    Returns:
        ``(new_images, changed_indices)``.
    Example:
        >>> import numpy as np
        >>> digits = np.zeros((4, 28, 28), np.uint8); digits[:, 8:20, 12:15] = 255
        >>> new, changed = add_writing_styles(digits, np.array([1, 1, 1, 1]), np.random.default_rng(0), 1.0)
        >>> len(changed)
        4
    """
    images = images.copy()
    changed = []
    for label, strokes in ((0, _slash), (7, _cross), (1, _flag)):
        chosen = np.flatnonzero((labels == label) & (rng.random(len(labels)) < share))
        if len(chosen):
            images[chosen] = _draw_and_renormalise(images[chosen], strokes, rng)
            changed.append(chosen)
    return images, np.sort(np.concatenate(changed)) if changed else np.array([], int)


def add_slashed_zeros(images, labels, rng, fraction=SHARE, zero=0):
    """A copy of ``images`` with a "/" drawn through about ``fraction`` of the zeros.

    Returns ``(new_images, changed_indices)``. See ``add_writing_styles``.
    """
    chosen = np.flatnonzero((labels == zero) & (rng.random(len(labels)) < fraction))
    images = images.copy()
    if len(chosen):
        images[chosen] = _draw_and_renormalise(images[chosen], _slash, rng)
    return images, chosen


def _slash(box, ink, rng):
    """A slash from below-left to above-right of each ink box, overshooting it by 0-4 px."""
    x0, y0, x1, y1 = box
    over = rng.uniform(0, 4, (4, len(x0)))
    return np.stack([x0 - over[0], y1 + over[1]], 1), np.stack([x1 + over[2], y0 - over[3]], 1)


def _cross(box, ink, rng):
    """A short bar across a seven's stem, about halfway down, centred on the stem's ink there."""
    x0, y0, x1, y1 = box
    mid_y = y0 + (y1 - y0) * rng.uniform(0.45, 0.6, len(x0))
    row = ink[np.arange(len(x0)), np.rint(mid_y).astype(int)]  # (K, W) ink across that row
    columns = np.arange(ink.shape[2])
    mid_x = np.where(row.any(axis=1), (row * columns).sum(axis=1) / np.maximum(row.sum(axis=1), 1),
                     (x0 + x1) / 2)
    half = rng.uniform(2.5, 4.5, len(x0))
    tilt = rng.uniform(-0.15, 0.15, len(x0)) * half
    return np.stack([mid_x - half, mid_y + tilt], 1), np.stack([mid_x + half, mid_y - tilt], 1)


def _flag(box, ink, rng):
    """An up-stroke into the top of a one, rising from down-left; under half of them get a foot too."""
    x0, y0, x1, y1 = box
    k = len(x0)
    top_x = x1 - (x1 - x0) * rng.uniform(0.0, 0.3, k)
    # A long up-stroke, as taught in much of Europe: steeper than a seven's bar, up to most of the height.
    length = (y1 - y0) * rng.uniform(0.3, 0.8, k)
    angle = np.deg2rad(rng.uniform(35, 75, k))  # below the horizontal, going left
    flag = (np.stack([top_x - length * np.cos(angle), y0 + length * np.sin(angle)], 1),
            np.stack([top_x, y0], 1))
    # A foot: a short bar under the stem's bottom end; ones without get a zero-length one, a dot on
    # the stem's own end.
    bottom = ink[np.arange(k), y1.astype(int)]
    foot_x = (bottom * np.arange(ink.shape[2])).sum(axis=1) / np.maximum(bottom.sum(axis=1), 1)
    half = rng.uniform(2.5, 5.0, k) * (rng.random(k) < 0.4)
    foot = np.stack([foot_x - half, y1], 1), np.stack([foot_x + half, y1], 1)
    return np.stack([flag[0], foot[0]], 1), np.stack([flag[1], foot[1]], 1)


def _draw_and_renormalise(images, strokes, rng):
    """``images (K, 28, 28)`` uint8 with one stroke each from ``strokes(box, rng)``, normalised again."""
    # On a wider field, so a stroke that sticks out is kept whole before the digit is fitted again.
    images = np.pad(images, ((0, 0), (_MARGIN, _MARGIN), (_MARGIN, _MARGIN)))
    ink = images > 64
    y0, y1 = _extent(ink.any(axis=2))
    x0, x1 = _extent(ink.any(axis=1))
    a, b = strokes((x0, y0, x1, y1), ink, rng)
    a, b = a.reshape(len(images), -1, 2), b.reshape(len(images), -1, 2)  # (K, segments, 2)
    distance = np.min([_distance_to_segment(images.shape[1:], a[:, j], b[:, j]) for j in range(a.shape[1])], axis=0)
    half_width = rng.uniform(0.8, 1.3, len(images))
    value = np.clip(half_width[:, None, None] + 0.5 - distance, 0, 1)
    drawn = np.maximum(images / np.float32(255), value.astype(np.float32))
    out = np.empty((len(images), 28, 28), np.uint8)
    for i, picture in enumerate(drawn):
        out[i] = np.rint(to_mnist(picture) * 255).astype(np.uint8)
    return out


def _extent(occupied):
    """First and last occupied index along each row of ``occupied`` ``(K, L)``."""
    first = occupied.argmax(axis=1)
    last = occupied.shape[1] - 1 - occupied[:, ::-1].argmax(axis=1)
    return first.astype(np.float64), last.astype(np.float64)


def _distance_to_segment(shape, a, b):
    """Distance of every pixel centre of an ``(H, W)`` grid to segments ``a``-``b`` ``(K, 2)``."""
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]]
    px, py = xs[None] - a[:, 0, None, None], ys[None] - a[:, 1, None, None]
    dx, dy = (b - a)[:, 0, None, None], (b - a)[:, 1, None, None]
    t = np.clip((px * dx + py * dy) / np.maximum(dx * dx + dy * dy, 1e-9), 0, 1)
    return np.hypot(px - t * dx, py - t * dy)
