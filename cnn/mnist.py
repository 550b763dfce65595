"""Read MNIST from the four standard IDX files, gzipped or raw, into uint8 arrays.

IDX layout (big-endian): a 4-byte magic number (2051 for images, 2049 for labels), one
4-byte size per dimension, then the bytes of the array. A file may be gzipped whatever its
name says (some browsers unpack ``.gz`` downloads and keep the name), so the format is
sniffed from the first two bytes, not taken from the suffix.
"""
import gzip
import os
import zlib
from pathlib import Path

import numpy as np

IMAGE_MAGIC = 2051
LABEL_MAGIC = 2049
IMAGE_SIZE = 28
NUM_CLASSES = 10
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
FILE_NAMES = tuple(name for pair in SPLITS.values() for name in pair)
_GZIP_MAGIC = b"\x1f\x8b"
# What a damaged gzip stream raises: bad header or CRC, cut-off stream, bad deflate data.
_GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)
# A damaged header could promise terabytes, and a gzip bomb of a few KB can deliver a GB of
# zeros: refuse before allocating. MNIST train holds 60,000 items (47 MB of images); this cap
# keeps a hostile images file under 80 MB and a labels file under 0.1 MB.
_MAX_ITEMS = 100_000
_CHUNK = 1 << 20


class MnistNotFoundError(FileNotFoundError):
    """No folder holding the four MNIST files was found."""


class MnistFormatError(ValueError):
    """An MNIST file is damaged or not an IDX file of the expected kind."""


def default_cache_dir():
    """``$XDG_CACHE_HOME/digit-draw/mnist``, or ``~/.cache/digit-draw/mnist``."""
    base = os.environ.get("XDG_CACHE_HOME")
    # The XDG spec says to ignore a relative path here.
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "digit-draw" / "mnist"


def _locate(folder, name):
    """The path of ``name.gz`` or ``name`` (unpacked) in ``folder``, or None."""
    # The .gz first: it is what download_mnist fetches and verifies.
    for candidate in (folder / (name + ".gz"), folder / name):
        if candidate.is_file():
            return candidate
    return None


def find_mnist_dir(data_dir=None):
    """Find the folder that holds all four MNIST files (each raw or ``.gz``).

    An explicit ``data_dir`` is the only place looked at: the caller chose it. Otherwise
    ``$MNIST_DIR`` (when set) and then ``default_cache_dir()`` are tried in that order.

    Raises:
        MnistNotFoundError: listing every folder looked at and the files missing there.
    """
    if data_dir is not None:
        candidates = [Path(data_dir)]
    else:
        candidates = [Path(os.environ["MNIST_DIR"])] if os.environ.get("MNIST_DIR") else []
        candidates.append(default_cache_dir())
    report = []
    for folder in candidates:
        missing = [name for name in FILE_NAMES if _locate(folder, name) is None]
        if not missing:
            return folder
        what = "folder does not exist" if not folder.is_dir() else "missing " + ", ".join(missing)
        report.append(f"  {folder}: {what}")
    raise MnistNotFoundError(
        "MNIST data not found. Looked in:\n" + "\n".join(report) + "\n"
        "Run `python app.py download` to fetch it, or copy the four files "
        "(optionally .gz) into one of these folders."
    )


def _open(path):
    """Open ``path`` for binary reading, unpacking gzip when the file starts with its magic."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == _GZIP_MAGIC
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _read_exact(f, buffer):
    """Fill ``buffer`` from ``f``; return how many bytes arrived before end of file."""
    # Small reads: gzip's readinto builds a temporary bytes object as large as the request.
    view = memoryview(buffer).cast("B")
    done = 0
    while done < len(view):
        n = f.readinto(view[done:done + _CHUNK])
        if not n:
            break
        done += n
    return done


def _read_header(f, path, magic, item_shape, kind):
    """Parse and check an IDX header; return the number of items it promises."""
    header_len = 4 * (2 + len(item_shape))
    header = f.read(header_len)
    if len(header) < header_len:
        raise MnistFormatError(
            f"{path}: file is {len(header)} bytes, too short for the "
            f"{header_len}-byte IDX header of a {kind} file"
        )
    found, count, *item_dims = np.frombuffer(header, dtype=">u4").tolist()
    if found != magic:
        raise MnistFormatError(
            f"{path}: wrong magic number {found}, expected {magic} for a {kind} file"
        )
    if count == 0 or tuple(item_dims) != item_shape:
        shown = "x".join(map(str, item_dims)) or "scalar"
        wanted = "x".join(map(str, item_shape)) or "scalar"
        raise MnistFormatError(
            f"{path}: header says {count} {kind}s of {shown}, "
            f"expected at least one {kind} of {wanted}"
        )
    if count > _MAX_ITEMS:
        raise MnistFormatError(
            f"{path}: header promises {count} {kind}s, far more than any MNIST file "
            f"(damaged header?)"
        )
    return count


def _read_idx(path, magic, item_shape, kind):
    """Read one IDX file into a writable uint8 array of shape ``(count, *item_shape)``.

    Allocates the result once and reads straight into it, so a 47 MB image file costs
    47 MB, not twice that.
    """
    try:
        with _open(path) as f:
            count = _read_header(f, path, magic, item_shape, kind)
            data = np.empty((count, *item_shape), dtype=np.uint8)
            got = _read_exact(f, data)
            if got < data.size:
                raise MnistFormatError(
                    f"{path}: truncated, header promises {data.size} data bytes "
                    f"but the file holds only {got}"
                )
            if f.read(1):
                raise MnistFormatError(
                    f"{path}: extra bytes after the {data.size} data bytes the header promises"
                )
    except _GZIP_ERRORS as e:
        raise MnistFormatError(f"{path}: damaged gzip stream ({e})") from e
    return data


def read_images(path):
    """Read an IDX image file. Returns uint8 ``(N, 28, 28)``, 0 = background."""
    return _read_idx(path, IMAGE_MAGIC, (IMAGE_SIZE, IMAGE_SIZE), "image")


def read_labels(path):
    """Read an IDX label file. Returns uint8 ``(N,)`` with values 0..9."""
    labels = _read_idx(path, LABEL_MAGIC, (), "label")
    bad = np.flatnonzero(labels >= NUM_CLASSES)
    if bad.size:
        raise MnistFormatError(
            f"{path}: label {labels[bad[0]]} at index {bad[0]} is out of range 0..9 "
            f"({bad.size} bad labels in all)"
        )
    return labels


def load_mnist(split, data_dir=None):
    """Load one MNIST split.

    Args:
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000 images).
        data_dir: folder with the files; see ``find_mnist_dir`` for the search order.
    Shape:
        returns ``(images uint8 (N, 28, 28), labels uint8 (N,))``.
    Raises:
        MnistNotFoundError, MnistFormatError; ValueError for an unknown split.
    Example:
        >>> x, y = load_mnist("test")  # doctest: +SKIP
        >>> x.shape, x.dtype, y.shape  # doctest: +SKIP
        ((10000, 28, 28), dtype('uint8'), (10000,))
    """
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = find_mnist_dir(data_dir)
    image_name, label_name = SPLITS[split]
    image_path, label_path = _locate(folder, image_name), _locate(folder, label_name)
    images, labels = read_images(image_path), read_labels(label_path)
    if len(images) != len(labels):
        raise MnistFormatError(
            f"{image_path} holds {len(images)} images but {label_path} holds "
            f"{len(labels)} labels"
        )
    return images, labels
