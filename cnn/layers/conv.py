"""2-D convolution as one matrix product over an im2col view."""
import numpy as np

from ..im2col import im2col, out_size, pad_nhwc
from ..init import init_weight
from .base import Layer

CHUNK_FLOATS = 256 * 1024  # 1 MB of float32 columns per chunk


class Conv2D(Layer):
    """Cross-correlation over NCHW input, like ``torch.nn.Conv2d``.

    Args:
        in_channels, out_channels: C_in and C_out.
        kernel_size: square kernel side k.
        stride, padding: as in PyTorch (zero padding on both sides).
        rng: ``numpy.random.Generator`` for the weights; init: "kaiming" (default) or "xavier".
    Shape:
        input ``(N, C_in, H, W)`` -> output ``(N, C_out, H_out, W_out)`` with
        ``H_out = (H + 2*padding - k) // stride + 1``. weight ``(C_out, C_in, k, k)``, bias ``(C_out,)``.
        Activations are kept channels-last in memory (like PyTorch's ``channels_last``): the logical
        shape is NCHW, the strides are NHWC, so im2col reads contiguous runs.
    Example:
        >>> conv = Conv2D(1, 8, 3, padding=1, rng=np.random.default_rng(0))
        >>> conv(np.zeros((2, 1, 28, 28), np.float32)).shape
        (2, 8, 28, 28)
    """

    caches = ("_pad", "_cols")

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, *, rng=None, init="kaiming"):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        rng = rng if rng is not None else np.random.default_rng()
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        fan_in = in_channels * kernel_size * kernel_size
        self._add_param("weight", init_weight(shape, fan_in, out_channels * kernel_size ** 2, rng, init))
        self._add_param("bias", np.zeros(out_channels))
        # The weight keeps PyTorch's shape (C_out, C_in, k, k) but is stored channels-last, like
        # the activations: its matrix view below is then free, with no copy per forward pass.
        for d in (self.params, self.grads):
            d["weight"] = np.ascontiguousarray(d["weight"].transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
        self._pad = self._cols = None

    def _weight_matrix(self):
        """``(k*k*C_in, C_out)`` in the columns' (kernel row, kernel column, channel) order; a view
        of the channels-last weight (a copy only if someone replaced it with another layout)."""
        return self.params["weight"].transpose(0, 2, 3, 1).reshape(self.out_channels, -1).T

    def forward(self, x):
        n, c, h, w = x.shape
        if c != self.in_channels:
            raise ValueError(f"{self!r} expects {self.in_channels} input channels, got {c}")
        k, s = self.kernel_size, self.stride
        xp = pad_nhwc(x.transpose(0, 2, 3, 1), self.padding, self._pad)
        self._pad = xp
        oh, ow = out_size(h, k, s, self.padding), out_size(w, k, s, self.padding)
        wm = self._weight_matrix()
        y = np.empty((n, oh, ow, self.out_channels), xp.dtype)
        # Chunks of ~1 MB of columns stay in cache between the copy and the product.
        for lo, hi in self._chunks(n, oh * ow):
            cols, self._cols = im2col(xp[lo:hi], k, k, s, self._cols)
            np.matmul(cols, wm, out=y[lo:hi].reshape(-1, self.out_channels))
        y += self.params["bias"]
        return y.transpose(0, 3, 1, 2)

    def _chunks(self, n, pixels):
        step = max(1, CHUNK_FLOATS // (pixels * self.kernel_size ** 2 * self.in_channels))
        return [(lo, min(lo + step, n)) for lo in range(0, n, step)]

    # A network's first layer never needs the gradient of its input: skipping it saves a col2im.
    can_skip_input_grad = True

    def backward(self, grad_out, input_grad=True):
        n, _, oh, ow = grad_out.shape
        g = np.ascontiguousarray(grad_out.transpose(0, 2, 3, 1))
        k, c, s, xp = self.kernel_size, self.in_channels, self.stride, self._pad
        dw = np.zeros((self.out_channels, k * k * c), g.dtype)
        for lo, hi in self._chunks(n, oh * ow):  # recomputing columns is cheaper than keeping them
            cols, self._cols = im2col(xp[lo:hi], k, k, s, self._cols)
            dw += g[lo:hi].reshape(-1, self.out_channels).T @ cols
        self.grads["weight"][...] = dw.reshape(-1, k, k, c).transpose(0, 3, 1, 2)
        g2 = g.reshape(-1, self.out_channels)
        self.grads["bias"][...] = np.ones(len(g2), g.dtype) @ g2  # ~10x faster than g2.sum(axis=0)
        if not input_grad:
            return None
        return self._input_grad(g).transpose(0, 3, 1, 2)

    def _input_grad(self, g):
        """col2im fused with its product: one ``(N*OH*OW, C_out) @ (C_out, C_in)`` per kernel offset,
        added into the shifted window, so the full column gradient never exists."""
        n, oh, ow, _ = g.shape
        k, s, p = self.kernel_size, self.stride, self.padding
        w = self.params["weight"]
        g2 = g.reshape(-1, self.out_channels)
        dx = np.zeros(self._pad.shape, g.dtype)
        for i in range(k):
            for j in range(k):
                dx[:, i:i + s * oh:s, j:j + s * ow:s, :] += (g2 @ w[:, :, i, j]).reshape(n, oh, ow, -1)
        return dx[:, p:dx.shape[1] - p, p:dx.shape[2] - p, :] if p else dx

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")
