"""A small MNIST stand-in that a network can learn: digit k is a bar at 18·k degrees.

The window's training and evaluation tests run on it when the real MNIST is absent, and the
CLI reads it from IDX files like the real thing. Nothing here is real handwriting.
"""
import gzip
import struct
from pathlib import Path

import numpy as np

FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


def bars(n, seed=0):
    """``(images uint8 (n, 28, 28), labels uint8 (n,))``: jittered bars, ink bright."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    angle = np.deg2rad(18.0 * labels + rng.uniform(-4, 4, n))
    centre = 13.5 + rng.uniform(-2, 2, (n, 2))
    half_width = rng.uniform(1.0, 1.8, n)
    ys, xs = np.mgrid[0:28, 0:28].astype(np.float64)
    dx, dy = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    px, py = xs[None] - centre[:, 0, None, None], ys[None] - centre[:, 1, None, None]
    along = np.abs(px * dx + py * dy)
    across = np.abs(-px * dy + py * dx)
    ink = np.clip(half_width[:, None, None] + 0.5 - across, 0, 1) * (along < 9)
    return (ink * 255).astype(np.uint8), labels


def make(train=1024, test=256, seed=0):
    """``((x_train, y_train), (x_test, y_test))`` as ``cnn.load_mnist`` returns them."""
    return bars(train, seed), bars(test, seed + 1)


def write_idx(folder, data):
    """Write ``make()``'s data as the four gzipped IDX files MNIST comes in; returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for split, (images, labels) in zip(("train", "test"), data):
        image_name, label_name = FILES[split]
        n = len(labels)
        with gzip.open(folder / image_name, "wb") as f:
            f.write(struct.pack(">IIII", 2051, n, 28, 28) + images.tobytes())
        with gzip.open(folder / label_name, "wb") as f:
            f.write(struct.pack(">II", 2049, n) + labels.tobytes())
    return folder
