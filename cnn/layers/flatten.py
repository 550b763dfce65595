"""Flatten."""
import numpy as np

from .base import Layer


class Flatten(Layer):
    """``(N, C, H, W)`` -> ``(N, C*H*W)`` in PyTorch's (C, H, W) order, whatever the memory layout."""

    caches = ("_shape", "_channels_last")

    def __init__(self):
        super().__init__()
        self._shape = self._channels_last = None

    def forward(self, x):
        self._shape = x.shape
        self._channels_last = x.ndim == 4 and not x.flags.c_contiguous and x.transpose(0, 2, 3, 1).flags.c_contiguous
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out):
        grad = grad_out.reshape(self._shape)
        if not self._channels_last:
            return grad
        # Give the gradient the input's channels-last layout: the ReLU and pooling before us then
        # work on matching layouts (ReLU + pool backward 0.75 -> 0.35 ms at batch 32).
        return np.ascontiguousarray(grad.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
