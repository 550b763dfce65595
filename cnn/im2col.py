"""im2col / col2im for channels-last (NHWC) arrays.

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
    """Copy the windows of NHWC ``x`` into ``(N*OH*OW, kH*kW*C)``, reusing ``buf`` when it fits."""
    view = windows(x, kh, kw, stride)
    if buf is None or buf.shape != view.shape:
        buf = np.empty(view.shape, dtype=x.dtype)
    np.copyto(buf, view)
    return buf


def col2im(dcols, x_shape, stride):
    """Sum window gradients ``(N, OH, OW, kH, kW, C)`` back onto an NHWC array of ``x_shape``.

    One strided add per kernel offset (kH*kW adds over whole batches), never a loop over pixels.
    """
    _, oh, ow, kh, kw, _ = dcols.shape
    dx = np.zeros(x_shape, dtype=dcols.dtype)
    for i in range(kh):
        for j in range(kw):
            dx[:, i:i + stride * oh:stride, j:j + stride * ow:stride, :] += dcols[:, :, :, i, j, :]
    return dx


def pad_nhwc(x, padding, buf=None):
    """Zero-pad H and W of NHWC ``x``; ``buf`` keeps its zero border between calls."""
    if padding == 0:
        return x
    n, h, w, c = x.shape
    shape = (n, h + 2 * padding, w + 2 * padding, c)
    if buf is None or buf.shape != shape:
        buf = np.zeros(shape, dtype=x.dtype)
    buf[:, padding:padding + h, padding:padding + w, :] = x
    return buf
