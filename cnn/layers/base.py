"""What every layer shares: named parameters with same-keyed gradients, and a train/eval flag."""
import copy

import numpy as np


class Layer:
    """Base class. Subclasses fill ``params`` and implement ``forward`` / ``backward``.

    ``backward(grad_out)`` writes the parameter gradients into ``grads`` (same keys and shapes as
    ``params``, overwritten, not accumulated) and returns the gradient with respect to the input.
    """

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.training = True

    def _add_param(self, name, value):
        self.params[name] = np.ascontiguousarray(value, dtype=np.float32)
        self.grads[name] = np.zeros_like(self.params[name])

    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad_out):
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def to(self, dtype):
        """Cast parameters and gradients, e.g. to float64 for gradient checks; drops work buffers."""
        self.params = {k: v.astype(dtype) for k, v in self.params.items()}
        self.grads = {k: v.astype(dtype) for k, v in self.grads.items()}
        self._drop_caches()
        return self

    caches = ()  # names of the attributes holding work buffers and what forward kept for backward

    def _drop_caches(self):
        for name in self.caches:
            setattr(self, name, None)

    def replicate(self):
        """A twin for another thread: the same parameter arrays, its own gradients and caches."""
        twin = copy.copy(self)
        twin._drop_caches()
        twin.grads = {k: np.zeros_like(g) for k, g in self.grads.items()}
        return twin

    def extra_repr(self):
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"
