"""ReLU."""
import numpy as np

from .base import Layer


class ReLU(Layer):
    """``max(x, 0)`` elementwise; the gradient passes where the output is positive.

    Shape: any -> same (memory layout kept, so channels-last activations stay channels-last).
    """

    caches = ("_out",)

    def __init__(self):
        super().__init__()
        self._out = None

    def forward(self, x):
        self._out = np.maximum(x, 0)
        return self._out

    def backward(self, grad_out):
        return grad_out * (self._out > 0)  # a multiply by a mask is ~10x faster than np.where
