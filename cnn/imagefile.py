"""Read a picture file (PNG, JPEG, ...) as a greyscale NumPy array, whatever a user feeds it.

Pillow decodes; nothing here imports Qt. Pictures come from users, so the reader defends itself:

- Size: a picture over ``MAX_PIXELS`` is refused from its header, before any decoding.
- Memory: the array built is at most ``MAX_SIDE`` on its longer side (a digit ends up 20x20
  anyway). JPEGs are scaled down by libjpeg while decoding; other formats are decoded whole
  (at most 4 bytes a pixel: 200 MB at the limit) and then averaged down band by band.
- Damage: a file that can't be decoded, or is cut short, raises ``ImageFileError``. A picture
  that decodes but whose data is damaged (a PNG checksum fails; libjpeg ran out of data
  mid-picture and filled the rest in, which it only mentions on stderr) issues an
  ``ImageFileWarning``: the caller still gets the pixels and can say the answer is doubtful.
"""
import math
import os
import re
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from .image_damage import damage, describe_error

MAX_PIXELS = 50_000_000
MAX_SIDE = 2048
FORMATS = ("BMP", "GIF", "ICO", "JPEG", "PNG", "PPM", "TIFF", "WEBP")
# ITU-R BT.601 luma, the weights most greyscale conversions use.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_ORIENTATION = 0x0112          # the EXIF tag
_BAND_PIXELS = 1 << 16         # pixels converted to float at a time while shrinking
# A progressive (or multi-scan) JPEG is refined scan by scan, so libjpeg keeps every DCT
# coefficient of the whole picture, 128 bytes per 8x8 block and component, at any output scale.
_JPEG_BUFFER_BYTES = 160_000_000

# Pillow's own guard, which some plugins apply again while loading (GIF frames, ICO), at our
# limit; and as an error: a warning would only scroll past while the decoder fills memory.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
# libjpeg reads its memory cap (in kB; M = 1000 kB) from here each time it starts a picture.
os.environ.setdefault("JPEGMEM", f"{_JPEG_BUFFER_BYTES // 1_000_000}M")


class _NamesTheFile:
    """The message is ``"{path}: {reason}"``; both are kept, for a caller that shows names its own way."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


class ImageFileError(_NamesTheFile, ValueError):
    """A picture file is missing or can't be decoded."""


class ImageFileWarning(_NamesTheFile, UserWarning):
    """A picture decoded, but its file looks damaged."""


def read_image(path):
    """Load ``path`` as greyscale, shrunk to at most ``MAX_SIDE`` pixels on its longer side.

    EXIF rotation is applied, so phone photos come out upright. Transparent pixels are laid
    over white when the opaque strokes are mostly dark and over black when they are mostly
    light, so a transparent PNG keeps its strokes visible against a plain background.
    Palette, 16-bit, greyscale-with-alpha and CMYK pictures are all read.

    Args:
        path: ``str`` or ``pathlib.Path``.
    Returns:
        float32 ``(H, W)`` in 0..1, 0 = black.
    Raises:
        ImageFileError: the file is missing, not a picture, over ``MAX_PIXELS``, truncated
            or undecodable.
    Warns:
        ImageFileWarning: the picture decoded but its data looks damaged.
    """
    path = Path(path)
    _check_is_file(path)
    try:
        with Image.open(path, formats=FORMATS) as image:
            _check_size(path, image.size)
            _check_jpeg_buffer(path, image)
            grey, alpha = _decode(image)
            problem = damage(path, image)
            image.close()  # frees the full-size pixels before the small arrays are combined
    except ImageFileError:
        raise
    except Image.UnidentifiedImageError:
        raise ImageFileError(path, "not a picture (or not a kind read here: "
                                   + ", ".join(FORMATS) + ")") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        pixels = re.search(r"\((\d+) pixels\)", str(e))  # Pillow's message has the count
        raise ImageFileError(path, _too_big(f"{int(pixels[1]):,} pixels" if pixels else "the picture")) from None
    except Exception as e:  # noqa: BLE001 - see below
        # Pillow's plugins meet hostile bytes with OSError, SyntaxError, struct.error,
        # ValueError, EOFError, even KeyError or ZeroDivisionError: all mean "can't decode".
        raise ImageFileError(path, _failure(e)) from e
    if problem:
        warnings.warn(ImageFileWarning(path, problem), stacklevel=2)
    return _flatten_alpha(grey, alpha)


def _check_is_file(path):
    if path.is_dir():
        raise ImageFileError(path, "is a folder, not a picture")
    if not path.exists():
        raise ImageFileError(path, "no such file")
    if not path.is_file():  # a pipe or a device could block or never end
        raise ImageFileError(path, "not a regular file")


def _check_size(path, size):
    w, h = size
    if w * h > MAX_PIXELS:
        raise ImageFileError(path, _too_big(f"{w}x{h} = {w * h:,} pixels"))


def _too_big(what):
    return f"{what} is over the {MAX_PIXELS / 1e6:.0f}-megapixel limit (refused before decoding)"


def _check_jpeg_buffer(path, image):
    if image.format != "JPEG" or not image.info.get("progressive"):
        return  # libjpeg's own cap (JPEGMEM) still stops a multi-scan baseline JPEG
    (w, h), hmax, vmax = image.size, max(c[1] for c in image.layer), max(c[2] for c in image.layer)
    blocks = sum(math.ceil(w * hs / hmax / 8) * math.ceil(h * vs / vmax / 8) for _, hs, vs, _ in image.layer)
    if blocks * 128 > _JPEG_BUFFER_BYTES:
        raise ImageFileError(path, f"a progressive JPEG of {w}x{h} pixels needs {blocks * 128 / 1e6:.0f} MB "
                                   f"to decode, over the {_JPEG_BUFFER_BYTES / 1e6:.0f} MB allowed")


def _failure(error):
    if "truncated" in str(error):
        return "the file is cut short (truncated)"
    return f"cannot decode ({describe_error(error)})"


def _shrink_factor(size):
    return max(1, math.ceil(max(size) / MAX_SIDE))


def _decode(image):
    """Decode ``image`` (an open ``PIL.Image``): grey and alpha, float32 ``(H, W)`` in 0..1."""
    _draft(image)
    image.load()
    orientation = image.getexif().get(_ORIENTATION, 1)  # a PNG's EXIF may follow its pixels
    grey, alpha = _shrink(image, _shrink_factor(image.size))
    return _orient(grey, orientation), _orient(alpha, orientation)


def _draft(image):
    """Have libjpeg scale a big JPEG by 1/2, 1/4 or 1/8 while decoding; it never builds the full size."""
    factor = _shrink_factor(image.size)
    if factor > 1 and image.format == "JPEG":
        image.draft(None, tuple(-(-side // factor) for side in image.size))


def _shrink(image, factor):
    """Mean grey and alpha over ``factor x factor`` blocks of a loaded image, a band at a time.

    Grey is averaged weighted by alpha (premultiplied), so laying the result over a backdrop
    gives the same picture as laying the full-size one over it and then shrinking.
    Shape: returns two float32 ``(ceil(H / factor), ceil(W / factor))``.
    """
    w, h = image.size
    grey = np.empty((-(-h // factor), -(-w // factor)), dtype=np.float32)
    alpha = np.empty_like(grey)
    rows = max(1, _BAND_PIXELS // (w * factor))  # output rows per band: a few MB of floats
    for top in range(0, grey.shape[0], rows):
        box = (0, top * factor, w, min((top + rows) * factor, h))
        band_grey, band_alpha = _grey_alpha(image.crop(box))
        covered = alpha[top:top + rows] = _block_mean(band_alpha, factor)
        np.divide(_block_mean(band_grey * band_alpha, factor), covered,
                  out=grey[top:top + rows], where=covered > 0)
        grey[top:top + rows][covered <= 0] = 0.0
    return grey, alpha


def _grey_alpha(image):
    """BT.601 luma and alpha of a ``PIL.Image`` of any mode: float32 ``(H, W)`` in 0..1."""
    if image.mode.startswith("I"):  # 16-bit greyscale; Pillow's convert would clip it at 255
        grey = np.clip(np.asarray(image, dtype=np.float32) / 65535.0, 0.0, 1.0)
        return grey, np.ones_like(grey)
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
    return rgba[..., :3] @ _LUMA, rgba[..., 3].copy()  # a view would keep all of rgba alive


def _block_mean(a, factor):
    """Mean of ``a (H, W)`` over ``factor x factor`` blocks; edge blocks may be smaller."""
    if factor == 1:
        return a
    sums = np.add.reduceat(np.add.reduceat(a, np.arange(0, a.shape[0], factor), axis=0),
                           np.arange(0, a.shape[1], factor), axis=1)
    counts = np.outer(_block_sizes(a.shape[0], factor), _block_sizes(a.shape[1], factor))
    return (sums / counts).astype(np.float32)


def _block_sizes(n, factor):
    return np.minimum(factor, n - np.arange(0, n, factor))


# EXIF orientation -> the array operation that makes the picture upright, as
# PIL.ImageOps.exif_transpose does (done here on the small arrays, not the full-size image).
_UPRIGHT = {
    2: np.fliplr, 3: lambda a: a[::-1, ::-1], 4: np.flipud, 5: np.transpose,
    6: lambda a: np.rot90(a, -1), 7: lambda a: a[::-1, ::-1].T, 8: np.rot90,
}


def _orient(a, orientation):
    turn = _UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    return np.ascontiguousarray(turn(a)) if turn else a


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
