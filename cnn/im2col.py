"""im2col for channels-last (NHWC) arrays (Conv2D fuses the reverse, col2im, with its product).

Columns are ordered (kernel row, kernel column, channel) so that, for stride 1, each kernel row of a
window is one contiguous run of ``kW * C`` floats in the input: the copy into the column buffer is
a few long memcpy-like runs instead of a gather.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided


def out_size(size, kernel, stride, padding=0):
    return (size + 2 * padding - kernel) // stride + 1


def windows(x, kh, kw, stride):
    """A read-only view ``(N, OH, OW, kH, kW, C)`` of every window of NHWC ``x``; no copy."""
    n, h, w, c = x.shape
    sn, sh, sw, sc = x.strides
    shape = (n, out_size(h, kh, stride), out_size(w, kw, stride), kh, kw, c)
    strides = (sn, sh * stride, sw * stride, sh, sw, sc)
    return as_strided(x, shape, strides, writeable=False)


def im2col(x, kh, kw, stride, buf=None):
    """The windows of NHWC ``x`` as a matrix ``(N*OH*OW, kH*kW*C)``; returns ``(matrix, buffer)``.

    Pass the returned buffer back in: it is a flat array reused whenever it is large enough, so
    chunks of different sizes (a short last chunk) share it. With a single channel the columns
    are built kernel-offset-major (one long 2-D slice copy per offset, 3-4x faster than gathering
    runs of one float) and the matrix is a transposed view, which BLAS takes as it is.
    """
    n, h, w, c = x.shape
    oh, ow = out_size(h, kh, stride), out_size(w, kw, stride)
    shape = (kh, kw, n, oh, ow) if c == 1 else (n, oh, ow, kh, kw, c)
    size = kh * kw * n * oh * ow * c
    if buf is None or buf.size < size or buf.dtype != x.dtype:
        buf = np.empty(size, dtype=x.dtype)
    cols = buf[:size].reshape(shape)
    if c == 1:
        for i in range(kh):
            for j in range(kw):
                cols[i, j] = x[:, i:i + stride * oh:stride, j:j + stride * ow:stride, 0]
        return cols.reshape(kh * kw, -1).T, buf
    np.copyto(cols, windows(x, kh, kw, stride))
    return cols.reshape(n * oh * ow, -1), buf


def pad_nhwc(x, padding, buf=None):
    """Zero-pad H and W of NHWC ``x``; ``buf`` keeps its zero border between calls."""
    if padding == 0:
        return x
    n, h, w, c = x.shape
    shape = (n, h + 2 * padding, w + 2 * padding, c)
    if buf is None or buf.shape != shape or buf.dtype != x.dtype:
        buf = np.zeros(shape, dtype=x.dtype)
    buf[:, padding:padding + h, padding:padding + w, :] = x
    return buf
