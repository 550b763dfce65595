"""A first convolution (one input channel, 'same' size) and the 2x2 max pooling after it, as one step.

Pooling reads four strided slices of the convolution's output, each with runs of only C floats:
about 4x slower than the same work on long runs (measured: 0.21 against 0.05 ms for one maximum
at batch 32). So here the convolution's matrix product writes its rows in the order
(image, row in tile, column in tile, tile row, tile column): each of the four corners of the 2x2
tiles is then one long run per image, and pooling, its backward and the weight gradient work on
them directly. ``Sequential`` runs every pair that fits this way (conv1 + pool1 at batch 32:
2.9 -> 2.0 ms forward, 2.6 -> 2.3 ms backward); ``activations()`` still runs the layers one by
one. The result is the two layers' own, ties included (the first maximum in row-major order gets
the gradient).

With many input channels it does not pay: gathering tile-ordered columns costs twice as much
(0.77 against 0.39 ms for conv2 at batch 32) and the input gradient needs the rows back in
order; the fused conv2 + pool2 lost 1.8 ms in backward. So only one-channel convs are fused.
"""
import numpy as np

from ..im2col import pad_nhwc
from .conv import Conv2D
from .pool import MaxPool2D


def fusable(conv, pool, x):
    if not (isinstance(conv, Conv2D) and isinstance(pool, MaxPool2D)):
        return False
    _, _, h, w = x.shape
    same = conv.stride == 1 and 2 * conv.padding == conv.kernel_size - 1
    tiles = pool.kernel_size == 2 and pool.stride == 2 and h % 2 == 0 and w % 2 == 0
    return same and tiles and conv.in_channels == 1


def im2col_tiles(x, k, buf=None):
    """Columns of stride-1 ``k x k`` windows of padded one-channel NHWC ``x``, rows ordered (image,
    row in 2x2 tile, column in tile, tile row, tile column); returns ``(matrix, buffer)`` like
    ``im2col``: kernel-offset-major, one strided slice copy per offset and tile corner."""
    n, hp, wp, _ = x.shape
    th, tw = (hp - k + 1) // 2, (wp - k + 1) // 2
    size = n * 4 * th * tw * k * k
    if buf is None or buf.size < size or buf.dtype != x.dtype:
        buf = np.empty(size, x.dtype)
    cols = buf[:size].reshape(k, k, n, 2, 2, th, tw)
    for i in range(k):
        for j in range(k):
            for a in range(2):
                for b in range(2):
                    cols[i, j, :, a, b] = x[:, i + a:i + a + 2 * th:2, j + b:j + b + 2 * tw:2, 0]
    return cols.reshape(k * k, -1).T, buf


class ConvPool:
    """The fused step for one Conv2D + MaxPool2D pair. Its caches live on the two layers."""

    can_skip_input_grad = True  # as the conv: a network's first step needs no input gradient

    def __init__(self, conv, pool):
        self.conv, self.pool = conv, pool

    def forward(self, x):
        conv, pool = self.conv, self.pool
        n, c, h, w = x.shape
        if c != conv.in_channels:
            raise ValueError(f"{conv!r} expects {conv.in_channels} input channels, got {c}")
        conv._pad = xp = pad_nhwc(x.transpose(0, 2, 3, 1), conv.padding, conv._pad)
        pool._x, pool._slot, pool._argmax = None, None, None
        wm, k, cout = conv._weight_matrix(), conv.kernel_size, conv.out_channels
        y = np.empty((n, 2, 2, h // 2, w // 2, cout), xp.dtype)
        for lo, hi in conv._chunks(n, h * w):
            cols, conv._cols = im2col_tiles(xp[lo:hi], k, conv._cols)
            np.matmul(cols, wm, out=y[lo:hi].reshape(-1, cout))
        y += conv.params["bias"]
        a, b, c_, d = y[:, 0, 0], y[:, 0, 1], y[:, 1, 0], y[:, 1, 1]
        top, bottom = np.maximum(a, b), np.maximum(c_, d)
        # A later corner wins only when strictly greater: ties keep the first in row-major order.
        pool._pairs = (b > a, d > c_, bottom > top) if pool.training else None
        return np.maximum(top, bottom, out=top).transpose(0, 3, 1, 2)

    def backward(self, grad_out, input_grad=True):
        conv, pool = self.conv, self.pool
        if pool._pairs is None:
            raise RuntimeError("the fused conv + pool step needs a forward pass in training mode")
        g = grad_out.transpose(0, 2, 3, 1)
        n, th, tw, cout = g.shape
        right, lower_right, bottom = pool._pairs
        dy = np.empty((n, 2, 2, th, tw, cout), g.dtype)
        # Splitting g by each outcome is exact: g * mask and g - g * mask are g or 0.
        low = np.multiply(g, bottom, out=dy[:, 1, 0])
        high = np.subtract(g, low, out=dy[:, 0, 0])
        np.multiply(high, right, out=dy[:, 0, 1])
        high -= dy[:, 0, 1]
        np.multiply(low, lower_right, out=dy[:, 1, 1])
        low -= dy[:, 1, 1]
        k, c = conv.kernel_size, conv.in_channels
        dw = np.zeros((cout, k * k * c), g.dtype)  # each chunk's columns are a transposed block
        for lo, hi in conv._chunks(n, 4 * th * tw):
            cols, conv._cols = im2col_tiles(conv._pad[lo:hi], k, conv._cols)
            dw += dy[lo:hi].reshape(-1, cout).T @ cols
        conv.grads["weight"][...] = dw.reshape(-1, k, k, c).transpose(0, 3, 1, 2)
        rows = dy.reshape(-1, cout)
        conv.grads["bias"][...] = np.ones(len(rows), g.dtype) @ rows
        if not input_grad:
            return None
        spatial = np.ascontiguousarray(dy.transpose(0, 3, 1, 4, 2, 5)).reshape(n, 2 * th, 2 * tw, cout)
        return conv._input_grad(spatial).transpose(0, 3, 1, 2)
