"""Read an image file (PNG, JPEG, anything QImage reads) as a greyscale NumPy array.

Qt decodes the file, so the project needs no Pillow. ``QImageReader`` works without a
``QGuiApplication`` (the format plugins are found through the library paths), so this can
run in a headless script or a worker thread.
"""
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage, QImageReader

# ITU-R BT.601 luma, the weights most greyscale conversions use.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


class ImageFileError(ValueError):
    """An image file is missing or can't be decoded; the message names the file."""


def read_image(path):
    """Load ``path`` as greyscale.

    EXIF rotation is applied, so phone photos come out upright. Transparent pixels are laid
    over white when the opaque strokes are mostly dark and over black when they are mostly
    light, so a transparent PNG keeps its strokes visible against a plain background.

    Args:
        path: ``str`` or ``pathlib.Path``.
    Returns:
        float32 ``(H, W)`` in 0..1, 0 = black.
    Raises:
        ImageFileError: the file is missing, unreadable or not an image.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageFileError(f"{path}: no such file")
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    image = reader.read()
    if image.isNull():
        raise ImageFileError(f"{path}: cannot read image ({reader.errorString()})")
    rgba = _rgba_array(image)
    grey = rgba[..., :3] @ _LUMA
    return _flatten_alpha(grey, rgba[..., 3])


def _rgba_array(image):
    """Copy a ``QImage`` into float32 ``(H, W, 4)`` in 0..1, channels R, G, B, A."""
    # RGBA8888 is byte-ordered R, G, B, A on every platform, unlike ARGB32 (a 32-bit word).
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=h * stride)
    # Rows may be padded to the stride; drop the padding, then leave Qt's buffer behind.
    pixels = raw.reshape(h, stride)[:, :w * 4].reshape(h, w, 4)
    return pixels.astype(np.float32) / 255.0


def _flatten_alpha(grey, alpha):
    """Composite ``grey (H, W)`` with ``alpha (H, W)`` over black or white.

    When most of the picture is transparent, the transparency is the background and the
    opaque part is the strokes: pick the backdrop that contrasts with them. When most of it
    is opaque, the opaque part holds the background too (a page with clear corners): pick
    the backdrop that matches it.
    Shape: returns float32 ``(H, W)``.
    """
    if alpha.min() >= 1.0:
        return grey
    weight = float(alpha.sum())
    opaque_light = weight > 0 and float((grey * alpha).sum()) / weight >= 0.5
    mostly_clear = weight < 0.5 * alpha.size
    backdrop = np.float32(opaque_light != mostly_clear)
    return grey * alpha + backdrop * (1.0 - alpha)
