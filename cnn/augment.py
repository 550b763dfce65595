"""Random distortions of MNIST digits, so that digits people draw (off-centre, slanted,
thicker or thinner than MNIST's pen) are still read well.

Everything is vectorised over the batch: one random affine map per image (shift, rotation,
scale, shear) sampled bilinearly, and, for a random subset, a grey dilation or erosion with a
3x3 cross blended in at a random strength.
"""
import numpy as np

_PAD = 2  # zero border: clipped sample positions land in it and read 0


def augment(images, rng, *, max_shift=2.0, max_rotate=12.0, scale=(0.9, 1.1),
            max_shear=0.15, stroke=0.3):
    """Return randomly distorted copies of ``images``.

    Args:
        images: uint8 ``(N, H, W)`` in 0..255 or float in 0..1, ink bright.
        rng: ``numpy.random.Generator``; the same seed gives the same output.
        max_shift: largest shift in pixels, drawn uniformly per axis.
        max_rotate: largest rotation in degrees, either way.
        scale: ``(low, high)`` range of the zoom factor.
        max_shear: largest horizontal shear (slant), as ``dx / dy``.
        stroke: fraction of images whose strokes are made thicker or thinner.
    Shape:
        returns float32 ``(N, H, W)`` in 0..1. With all ranges zero (``scale=(1, 1)``)
        it is ``images / 255`` unchanged.
    Example:
        >>> import numpy as np
        >>> images = np.zeros((128, 28, 28), np.uint8)
        >>> augment(images, np.random.default_rng(0)).shape
        (128, 28, 28)
    """
    _check(images, max_shift, max_rotate, scale, max_shear, stroke)
    padded = _padded_float(images)
    _vary_strokes(padded, rng, stroke)
    inverse, shift = _random_affine(len(padded), rng, max_shift, max_rotate, scale, max_shear)
    out = _warp(padded, inverse, shift)
    # Float inputs may stray outside 0..1, and interpolation may overshoot by an ulp.
    return np.clip(out, 0.0, 1.0, out=out)


def _check(images, max_shift, max_rotate, scale, max_shear, stroke):
    if getattr(images, "ndim", None) != 3:
        raise ValueError(f"images must be (N, H, W), got shape {np.shape(images)}")
    for name, value in [("max_shift", max_shift), ("max_rotate", max_rotate),
                        ("max_shear", max_shear)]:
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    if not 0 < scale[0] <= scale[1]:
        raise ValueError(f"scale must be (low, high) with 0 < low <= high, got {scale}")
    if not 0 <= stroke <= 1:
        raise ValueError(f"stroke must be in 0..1, got {stroke}")


def _padded_float(images):
    """float32 ``(N, H + 4, W + 4)`` copy in 0..1 with a zero border of ``_PAD`` pixels."""
    n, h, w = images.shape
    padded = np.zeros((n, h + 2 * _PAD, w + 2 * _PAD), dtype=np.float32)
    inner = padded[:, _PAD:-_PAD, _PAD:-_PAD]
    inner[...] = images
    if images.dtype == np.uint8:
        inner *= np.float32(1 / 255)
    return padded


def _cross_extreme(x, op):
    """Grey dilation (``np.maximum``) or erosion (``np.minimum``) with a 3x3 cross.

    ``x`` is ``(N, H, W)`` with a zero border, so the edge rows need no special care.
    """
    out = x.copy()
    op(out[:, 1:], x[:, :-1], out=out[:, 1:])
    op(out[:, :-1], x[:, 1:], out=out[:, :-1])
    op(out[:, :, 1:], x[:, :, :-1], out=out[:, :, 1:])
    op(out[:, :, :-1], x[:, :, 1:], out=out[:, :, :-1])
    return out


def _vary_strokes(padded, rng, stroke):
    """In place: thicken half of a random ``stroke`` fraction of images, thin the other half.

    The dilated or eroded image is blended in at a random strength in 0..1, so stroke
    width varies continuously rather than in whole pixels.
    """
    chosen, thicker, strength = rng.random((3, len(padded)))
    strength = strength.astype(np.float32)
    chosen = chosen < stroke
    thick = np.flatnonzero(chosen & (thicker < 0.5))
    thin = np.flatnonzero(chosen & (thicker >= 0.5))
    if thick.size:
        padded[thick] = _blend(padded[thick], np.maximum, strength[thick])
    if thin.size:
        sub = padded[thin]
        peak = sub.max(axis=(1, 2), keepdims=True)
        sub = _blend(sub, np.minimum, strength[thin])
        # A thin pen still draws full-strength ink: brighten what erosion faded.
        sub *= 1 + strength[thin, None, None]
        padded[thin] = np.minimum(sub, peak, out=sub)


def _blend(x, op, strength):
    """``x`` moved towards its 3x3-cross dilation or erosion by ``strength`` ``(N,)``."""
    return x + strength[:, None, None] * (_cross_extreme(x, op) - x)


def _random_affine(n, rng, max_shift, max_rotate, scale, max_shear):
    """Per-image inverse linear maps ``(N, 2, 2)`` and shifts ``(N, 2)`` as (x, y), float32.

    The forward map is ``p -> s * R(theta) @ Shear(k) @ (p - c) + c + t`` about the image
    centre ``c``; sampling needs its inverse, ``Shear(-k) @ R(-theta) / s``.
    """
    theta = np.deg2rad(rng.uniform(-max_rotate, max_rotate, n))
    s = rng.uniform(scale[0], scale[1], n)
    k = rng.uniform(-max_shear, max_shear, n)
    shift = rng.uniform(-max_shift, max_shift, (n, 2))
    cos, sin = np.cos(theta), np.sin(theta)
    inverse = np.stack([np.stack([cos + k * sin, sin - k * cos], -1),
                        np.stack([-sin, cos], -1)], -2) / s[:, None, None]
    return inverse.astype(np.float32), shift.astype(np.float32)


def _warp(padded, inverse, shift):
    """Bilinearly sample each padded image at its inversely mapped output grid.

    Shape:
        padded ``(N, H + 4, W + 4)``, inverse ``(N, 2, 2)``, shift ``(N, 2)``
        -> float32 ``(N, H, W)``.
    """
    # Written to allocate few batch-sized arrays: fresh ones cost page faults that took
    # as long as the arithmetic itself.
    n, ph, pw = padded.shape
    h, w = ph - 2 * _PAD, pw - 2 * _PAD
    cx, cy = (w - 1) / 2, (h - 1) / 2
    # Output positions relative to the centre, minus the shift: u along x, v along y.
    u = np.arange(w, dtype=np.float32)[None, None, :] - (cx + shift[:, 0, None, None])
    v = np.arange(h, dtype=np.float32)[None, :, None] - (cy + shift[:, 1, None, None])
    m = inverse[:, :, :, None, None]
    # Source positions in padded coordinates, clipped into the zero border.
    sx = np.add(m[:, 0, 0] * u + (cx + _PAD), m[:, 0, 1] * v)
    sy = np.add(m[:, 1, 0] * u + (cy + _PAD), m[:, 1, 1] * v)
    np.clip(sx, _PAD - 1, pw - _PAD, out=sx)
    np.clip(sy, _PAD - 1, ph - _PAD, out=sy)
    col, row = sx.astype(np.int32), sy.astype(np.int32)  # positions >= 1: truncating floors
    np.subtract(sx, col, out=sx, dtype=np.float32)  # now the fractions
    np.subtract(sy, row, out=sy, dtype=np.float32)
    idx = row
    idx *= pw
    idx += col
    idx += (np.arange(n, dtype=np.int32) * (ph * pw))[:, None, None]
    # Neighbours to the right and below are the same indices into shifted views.
    flat = padded.reshape(-1)
    top = np.take(flat, idx, mode="clip")
    other = col.view(np.float32)  # the columns are spent; reuse their memory
    np.take(flat[1:], idx, out=other, mode="clip")
    _lerp(top, other, sx)
    bottom = np.take(flat[pw:], idx, mode="clip")
    np.take(flat[pw + 1:], idx, out=other, mode="clip")
    _lerp(bottom, other, sx)
    _lerp(top, bottom, sy)
    return top


def _lerp(a, b, t):
    """In place: ``a += t * (b - a)``; ``b`` is overwritten."""
    b -= a
    b *= t
    a += b
