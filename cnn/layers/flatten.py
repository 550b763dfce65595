"""Flatten."""
from .base import Layer


class Flatten(Layer):
    """``(N, C, H, W)`` -> ``(N, C*H*W)`` in PyTorch's (C, H, W) order, whatever the memory layout."""

    caches = ("_shape",)

    def __init__(self):
        super().__init__()
        self._shape = None

    def forward(self, x):
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out):
        return grad_out.reshape(self._shape)
