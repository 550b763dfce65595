"""Max pooling, with a fast path when the windows tile the input."""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .base import Layer


class MaxPool2D(Layer):
    """Max over ``k x k`` windows, like ``torch.nn.MaxPool2d`` (no padding).

    When ``stride == k`` and k divides H and W (2x2 pooling on MNIST), the windows tile the input:
    the output is the maximum of k*k strided slices of a channels-last view, several times faster
    than reshape-and-max. Ties (common on blank MNIST backgrounds) send the gradient to one input
    per window only: the first in row-major order, as PyTorch does.

    Shape:
        ``(N, C, H, W)`` -> ``(N, C, (H - k) // stride + 1, (W - k) // stride + 1)``
    Example:
        >>> MaxPool2D(2)(np.ones((1, 3, 4, 4), np.float32)).shape
        (1, 3, 2, 2)
    """

    caches = ("_x", "_slot", "_argmax", "_pairs")  # _pairs: the fused conv + pool step's (conv_pool.py)

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self._x = self._slot = self._argmax = self._pairs = None

    def _tiled(self, x):
        """``(N, OH, k, OW, k, C)`` view of ``x`` when the windows tile it, else None."""
        n, c, h, w = x.shape
        k = self.kernel_size
        if self.stride != k or h % k or w % k:
            return None
        return x.transpose(0, 2, 3, 1).reshape(n, h // k, k, w // k, k, c)

    def forward(self, x):
        self._x, self._argmax, self._slot, self._pairs = x, None, None, None
        tiles = self._tiled(x)
        if tiles is None:
            return self._forward_windows(x)
        k = self.kernel_size
        out = tiles[:, :, 0, :, 0]  # a view of x until the first maximum makes a new array
        # In training, remember which slot of each window won: a later slot takes over only when
        # strictly greater, so ties keep the first maximum, and backward is k*k cheap multiplies.
        slot = np.zeros(out.shape, np.uint8) if self.training else None
        for s in range(1, k * k):
            candidate = tiles[:, :, s // k, :, s % k]
            if slot is not None:
                np.maximum(slot, (candidate > out) * np.uint8(s), out=slot)
            out = np.maximum(out, candidate, out=out if s > 1 else None)
        if k == 1:
            out = out.copy()
        self._slot = slot
        return out.transpose(0, 3, 1, 2)

    def _forward_windows(self, x):
        n, c, h, w = x.shape
        k, s = self.kernel_size, self.stride
        oh, ow = (h - k) // s + 1, (w - k) // s + 1
        st = x.strides
        win = as_strided(x, (n, c, oh, ow, k, k), st[:2] + (st[2] * s, st[3] * s) + st[2:], writeable=False)
        flat = win.reshape(n, c, oh, ow, k * k)
        self._argmax = flat.argmax(axis=-1)
        return np.take_along_axis(flat, self._argmax[..., None], axis=-1)[..., 0]

    def backward(self, grad_out):
        if self._argmax is not None:
            return self._backward_windows(grad_out)
        if self._slot is None:
            raise RuntimeError("MaxPool2D.backward needs a forward pass in training mode")
        k, g = self.kernel_size, grad_out.transpose(0, 2, 3, 1)
        n, oh, ow, c = g.shape
        dx = np.empty((n, oh, k, ow, k, c), g.dtype)
        for i in range(k):
            for j in range(k):
                np.multiply(g, self._slot == i * k + j, out=dx[:, :, i, :, j])
        return dx.reshape(n, oh * k, ow * k, c).transpose(0, 3, 1, 2)

    def _backward_windows(self, grad_out):
        k, s = self.kernel_size, self.stride
        _, _, oh, ow = grad_out.shape
        dx = np.zeros_like(self._x)
        for i in range(k):
            for j in range(k):
                dx[:, :, i:i + s * oh:s, j:j + s * ow:s] += grad_out * (self._argmax == i * k + j)
        return dx

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"
