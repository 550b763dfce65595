"""Inverted dropout."""
import numpy as np

from .base import Layer


class Dropout(Layer):
    """Zeroes each input with probability ``p`` in training and scales the rest by ``1/(1-p)``, so
    evaluation is the identity (no rescaling at test time).

    Args:
        p: drop probability in [0, 1).
        rng: ``numpy.random.Generator`` for the masks.
    Shape: any -> same.
    """

    caches = ("_mask",)

    def __init__(self, p=0.5, *, rng=None):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p
        self.rng = rng if rng is not None else np.random.default_rng()
        self._mask = None

    def forward(self, x):
        if not self.training or self.p == 0.0:
            self._mask = None
            return x
        keep = self.rng.random(x.shape, dtype=np.float32) >= self.p
        self._mask = keep * np.float32(1.0 / (1.0 - self.p))
        return x * self._mask

    def backward(self, grad_out):
        return grad_out if self._mask is None else grad_out * self._mask

    def replicate(self):
        twin = super().replicate()
        twin.rng = self.rng.spawn(1)[0]  # an independent stream per thread, still seeded
        return twin

    def extra_repr(self):
        return f"p={self.p}"
