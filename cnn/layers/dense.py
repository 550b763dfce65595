"""Fully connected layer."""
import numpy as np

from ..init import init_weight
from .base import Layer


class Dense(Layer):
    """``y = x @ W.T + b``, like ``torch.nn.Linear``.

    Args:
        in_features, out_features: sizes of each input and output sample.
        rng: ``numpy.random.Generator``; init: "kaiming" (before a ReLU) or "xavier".
    Shape:
        input ``(N, in_features)`` -> ``(N, out_features)``; weight ``(out_features, in_features)``.
    Example:
        >>> Dense(4, 2, rng=np.random.default_rng(0))(np.ones((3, 4), np.float32)).shape
        (3, 2)
    """

    caches = ("_x",)

    def __init__(self, in_features, out_features, *, rng=None, init="kaiming"):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        rng = rng if rng is not None else np.random.default_rng()
        shape = (out_features, in_features)
        self._add_param("weight", init_weight(shape, in_features, out_features, rng, init))
        self._add_param("bias", np.zeros(out_features))
        self._x = None

    def forward(self, x):
        self._x = x
        y = x @ self.params["weight"].T
        y += self.params["bias"]
        return y

    def backward(self, grad_out):
        self.grads["weight"][...] = grad_out.T @ self._x
        self.grads["bias"][...] = grad_out.sum(axis=0)
        return grad_out @ self.params["weight"]

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}"
