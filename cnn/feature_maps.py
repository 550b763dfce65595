"""What the network makes of one image, block by block, read with ``model.activations`` (no Qt).

A conv block is a ``cnn.Conv2D`` and the image-shaped layers after it (pooling, ReLU); its output
is what the next block reads. Grouping is by layer type, so it follows the architecture in code.
"""
from dataclasses import dataclass

import numpy as np

from .layers import Conv2D
from .normalization import normalize


@dataclass(frozen=True)
class ConvBlock:
    """One conv block's feature maps for a single image.

    Shape: ``conv`` (C, H, W), the convolution's raw output; ``output`` (C, h, w), after the
    block's pooling and ReLU.
    """

    name: str
    conv: np.ndarray
    output: np.ndarray

    def __repr__(self) -> str:
        return f"ConvBlock({self.name!r}, conv={self.conv.shape}, output={self.output.shape})"


def conv_blocks(activations) -> list[ConvBlock]:
    """Group ``model.activations(x)`` for a batch of one into conv blocks, first to last."""
    blocks, conv, output = [], None, None
    for layer, out in activations:
        if isinstance(layer, Conv2D):
            if conv is not None:
                blocks.append(ConvBlock(f"Block {len(blocks) + 1}", conv, output))
            conv = output = out[0].copy()  # a layer may reuse its output buffer on the next call
        elif conv is not None and out.ndim == 4:
            output = out[0].copy()
        elif conv is not None:  # flattened: the convolutional part is over
            break
    if conv is not None:
        blocks.append(ConvBlock(f"Block {len(blocks) + 1}", conv, output))
    return blocks


def read_blocks(model, image: np.ndarray, mean: float, std: float) -> list[ConvBlock]:
    """The conv blocks' maps for ``image`` (28, 28) in 0..1, normalised as the weights expect."""
    return conv_blocks(model.activations(normalize(image, mean, std)))


def first_conv_weights(model) -> np.ndarray:
    """A copy of the first convolution's weights, ``(out_channels, in_channels, kH, kW)``."""
    conv = next(layer for layer in model.layers if isinstance(layer, Conv2D))
    return np.array(conv.params["weight"], copy=True)
