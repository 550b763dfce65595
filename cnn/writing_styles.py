"""Writing conventions that MNIST's writers did not use, added to MNIST training images.

Many people (programmers, and writers taught in parts of Europe) slash their zeros. MNIST has no
slashed zero, so a network trained on it reads "Ø" as an 8. Drawing a slash through a share of
MNIST's own zeros teaches it that convention without any non-MNIST data.
"""
import numpy as np


def add_slashed_zeros(images, labels, rng, fraction=0.2, zero=0):
    """A copy of ``images`` with a "/" drawn through about ``fraction`` of the zeros.

    The slash runs from below-left to above-right of each digit's ink box, overshooting it by a
    random 0-3 px at each end, with a random MNIST-like stroke width (1.6-2.6 px) and anti-aliased
    edges. Vectorised over the chosen images.

    Args:
        images: uint8 ``(N, H, W)``, ink bright (left unchanged).
        labels: ``(N,)``; rng: ``numpy.random.Generator``.
    Returns:
        ``(new_images, changed_indices)``.
    """
    chosen = np.flatnonzero((labels == zero) & (rng.random(len(labels)) < fraction))
    images = images.copy()
    if len(chosen) == 0:
        return images, chosen
    ink = images[chosen] > 64
    y0, y1 = _extent(ink.any(axis=2))
    x0, x1 = _extent(ink.any(axis=1))
    over = rng.uniform(0, 3, (4, len(chosen)))
    a = np.stack([x0 - over[0], y1 + over[1]], axis=1)  # below-left
    b = np.stack([x1 + over[2], y0 - over[3]], axis=1)  # above-right
    half_width = rng.uniform(0.8, 1.3, len(chosen))
    value = np.clip(half_width[:, None, None] + 0.5 - _distance_to_segment(images.shape[1:], a, b), 0, 1)
    images[chosen] = np.maximum(images[chosen], (value * 255).astype(np.uint8))
    return images, chosen


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
