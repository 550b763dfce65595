"""Input normalisation, defined once and recorded in every weights file.

Images arrive as MNIST-polarity pictures (ink bright, background 0), either uint8 in 0..255 or
float in 0..1. The network sees ``(pixel01 - mean) / std`` as float32 in NCHW layout.
"""
import numpy as np

from .augment import augment as distort

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
DEFAULT = {"mean": MNIST_MEAN, "std": MNIST_STD, "scale": "pixel/255"}


def normalize(images, mean=MNIST_MEAN, std=MNIST_STD):
    """Turn 28x28 images into network input.

    Args:
        images: ``(N, 28, 28)`` or ``(28, 28)``; uint8 (0..255) or float (0..1).
        mean, std: the normalisation recorded in the weights file.
    Shape:
        returns float32 ``(N, 1, 28, 28)``.
    """
    x = np.asarray(images)
    if x.ndim == 2:
        x = x[None]
    scale = 1.0 / 255.0 if x.dtype == np.uint8 else 1.0
    out = x.astype(np.float32)
    out *= np.float32(scale / std)
    out -= np.float32(mean / std)
    return out[:, None]


def make_prepare(normalization=DEFAULT, augment=False):
    """The ``prepare(images, rng)`` that ``fit`` and ``evaluate`` call on every batch.

    Training passes its generator, so augmentation (when on) applies; evaluation passes None and
    gets the plain normalised images. The CLI and the GUI both use this, so train, test and
    predict see inputs made the same way.
    """
    mean, std = normalization["mean"], normalization["std"]

    def prepare(images, rng):
        if augment and rng is not None:
            images = distort(images, rng)
        return normalize(images, mean, std)

    return prepare
