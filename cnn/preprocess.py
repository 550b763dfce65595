"""Turn a drawing or a photo of a digit into a 28x28 MNIST-style image.

MNIST digits were made by scaling each digit so that it fits a 20x20 box (aspect ratio kept,
grey levels from anti-aliasing) and then translating it by whole pixels so that its centre
of mass sits at the middle of the 28x28 field. ``to_mnist`` repeats those steps:

1. crop to the bounding box of the ink, ignoring faint noise;
2. resize by exact area averaging so that the longer side becomes 20 pixels;
3. shift by whole pixels so that the centre of mass lands on pixel index 14.

Measured on the MNIST test set, the centre of mass in pixel-index coordinates (pixel ``i``
has its centre at ``i``) is spread evenly over ``[13.5, 14.5)``: a rounded whole-pixel shift
to index 14, not a sub-pixel shift to 13.5 (the geometric middle). We copy that, so our
digits land where the network saw MNIST's. Sub-pixel shifts would also blur every edge,
which MNIST digits don't have.

Pure NumPy; the GUI calls ``to_mnist`` on every mouse move, so nothing loops per pixel.
"""
import numpy as np

SIZE = 28
BOX = 20
CENTER = 14.0          # target centre of mass, pixel-index coordinates (see module docstring)
BLANK_LEVEL = 0.01     # an image whose strongest ink is below this counts as blank
NOISE_LEVEL = 0.05     # ink below this fraction of the maximum doesn't widen the bounding box
NOISE_FLOOR = 0.2      # in photos, this fraction of the contrast range above paper is not ink
MIN_CONTRAST = 0.05    # a picture whose ink stands less than this far above its paper is blank
BORDER_SPLIT = 0.15    # a border within this of half light, half dark can't tell paper from ink


def to_mnist(ink):
    """Normalise a drawing the way MNIST digits were normalised.

    Args:
        ink: float array ``(H, W)`` of any size, 1 = ink, 0 = background.
    Returns:
        float32 ``(28, 28)`` in 0..1 with ink bright (MNIST polarity) and its maximum at 1,
        or ``None`` when there is no ink.
    Example:
        >>> canvas = np.zeros((280, 280)); canvas[40:240, 120:150] = 1
        >>> to_mnist(canvas).shape
        (28, 28)
    """
    ink = np.asarray(ink, dtype=np.float32)
    if ink.ndim != 2:
        raise ValueError(f"ink must be 2-D (H, W), got shape {ink.shape}")
    peak = float(ink.max()) if ink.size else 0.0
    if not peak >= BLANK_LEVEL:  # also catches NaN
        return None
    box = crop_to_ink(ink, peak * NOISE_LEVEL)
    small = resize_area(box, BOX / max(box.shape))
    # Thin strokes on a large canvas average out to grey; MNIST strokes are saturated.
    np.clip(small / small.max(), 0.0, 1.0, out=small)
    return place_by_mass(small)


def crop_to_ink(ink, threshold):
    """Cut ``ink (H, W)`` to the rows and columns holding a value above ``threshold``.

    Shape: returns a view ``(h, w)`` with ``h <= H``, ``w <= W``; the caller guarantees that
    some value exceeds the threshold.
    """
    rows = np.flatnonzero(ink.max(axis=1) > threshold)
    cols = np.flatnonzero(ink.max(axis=0) > threshold)
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def resize_area(image, scale):
    """Resize by exact area averaging (a box filter with fractional pixel coverage).

    Each output pixel is the mean of the input over the square it covers, counting partly
    covered input pixels by the covered fraction. Works for shrinking and enlarging. The
    total ink scales by exactly ``scale**2``; when ``H*scale`` is not whole, the last output
    row is only partly covered and averages in zeros beyond the input, so it comes out dimmer.

    Args:
        image: float ``(H, W)``.
        scale: output pixels per input pixel, > 0.
    Shape:
        returns float32 ``(ceil(H*scale), ceil(W*scale))``.
    """
    image = np.asarray(image, dtype=np.float32)
    rows = box_weights(image.shape[0], scale)
    cols = box_weights(image.shape[1], scale)
    # Contract the longer axis first: fewer multiplications when shrinking.
    if image.shape[0] >= image.shape[1]:
        return (rows @ image) @ cols.T
    return rows @ (image @ cols.T)


def box_weights(n_in, scale):
    """1-D area-averaging weights.

    Output pixel ``j`` covers the input interval ``[j / scale, (j + 1) / scale)``; its weight on
    input pixel ``i`` is the length of overlap with ``[i, i + 1)`` times ``scale``, so a row sums
    to 1 where the input covers it fully.

    Shape: returns float32 ``(ceil(n_in * scale), n_in)``.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    # The epsilon keeps 20.000000001 output pixels from becoming 21.
    n_out = max(1, int(np.ceil(n_in * scale - 1e-6)))
    edges = np.arange(n_out + 1, dtype=np.float64) / scale
    left = np.arange(n_in, dtype=np.float64)
    overlap = (np.minimum(edges[1:, None], left + 1.0)
               - np.maximum(edges[:-1, None], left))
    return (np.clip(overlap, 0.0, None) * scale).astype(np.float32)


def center_of_mass(image):
    """Centre of mass ``(row, col)`` of ``image (h, w)`` in pixel-index coordinates."""
    total = image.sum(dtype=np.float64)
    row = image.sum(axis=1) @ np.arange(image.shape[0]) / total
    col = image.sum(axis=0) @ np.arange(image.shape[1]) / total
    return float(row), float(col)


def place_by_mass(small):
    """Paste ``small (h, w)``, h, w <= 28, into a 28x28 frame with its centre of mass at index 14.

    The shift is whole pixels, rounded half up, as in MNIST. If the rounded shift would push
    the digit past an edge it is clamped, so the digit stays whole and a lopsided one sits
    a little off centre.
    Shape: returns float32 ``(28, 28)``.
    """
    h, w = small.shape
    row, col = center_of_mass(small)
    top = int(np.clip(np.floor(CENTER - row + 0.5), 0, SIZE - h))
    left = int(np.clip(np.floor(CENTER - col + 0.5), 0, SIZE - w))
    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    out[top:top + h, left:left + w] = small
    return out


def ink_from_image(pixels):
    """Turn a greyscale picture of either polarity, cropped any way, into ink.

    The paper is the side of the grey range that most of the border shows (dark ink on light
    paper and light chalk on a dark board both work); when the border is split about evenly, as
    in a picture cropped tight to a bold digit, the side most of the picture shows. The paper's
    level comes from the histogram of the paper side: its median plus three times its spread
    (median absolute deviation), so noise and shading become 0 however much ink touches the
    border, and a binary picture's paper is exactly its paper. Contrast is stretched so the
    background and the faintest ``NOISE_FLOOR`` of the range above it go to 0 and the
    strongest ink to 1. Less contrast than ``MIN_CONTRAST`` counts as blank.

    Args:
        pixels: ``(H, W)``, uint8 0..255 or float 0..1.
    Returns:
        float32 ``(H, W)`` in 0..1, 1 = ink; all zeros when the picture is blank.
    """
    grey = np.asarray(pixels)
    if grey.ndim != 2 or grey.size == 0:
        raise ValueError(f"pixels must be a non-empty 2-D greyscale image, got shape {grey.shape}")
    grey = grey.astype(np.float32) / (255.0 if grey.dtype == np.uint8 else 1.0)
    lo, hi = float(grey.min()), float(grey.max())
    if not hi - lo >= MIN_CONTRAST:  # also catches NaN
        return np.zeros(grey.shape, dtype=np.float32)
    middle = 0.5 * (lo + hi)
    light = np.mean(border(grey) > middle)
    if abs(light - 0.5) < BORDER_SPLIT:
        light = np.mean(grey > middle)
    if light > 0.5:
        grey = 1.0 - grey          # light paper: ink is the dark part
        middle = 1.0 - middle
    paper = grey[grey < middle]
    level = float(np.median(paper))
    spread = float(np.median(np.abs(paper - level)))
    background = min(level + 3.0 * spread, middle)
    span = float(grey.max()) - background
    if span < MIN_CONTRAST:
        return np.zeros(grey.shape, dtype=np.float32)
    # JPEG ringing and shadows sit next to the strokes; left in, they would widen the digit's
    # bounding box by a few pixels.
    floor = background + NOISE_FLOOR * span
    return np.clip((grey - floor) / (span - NOISE_FLOOR * span), 0.0, 1.0)


def border(image):
    """The pixels of a frame a few percent wide around ``image (H, W)``, flattened."""
    h, w = image.shape
    k = max(1, min(h, w) // 50)
    return np.concatenate([image[:k].ravel(), image[-k:].ravel(),
                           image[:, :k].ravel(), image[:, -k:].ravel()])
