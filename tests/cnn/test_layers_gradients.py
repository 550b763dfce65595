"""Every backward against centred finite differences, in float64.

Each layer is checked through the scalar ``sum(forward(x) * R)`` with a fixed random ``R``, so
``backward(R)`` must return d/dx and fill ``grads`` with d/dparam. Inputs come both NCHW-contiguous
and channels-last-strided, since layers hand channels-last memory to each other.
"""
import numpy as np
import pytest

import cnn
from cnn import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU, cross_entropy

STEP = 1e-6
TOL = 1e-5


def rel_error(analytic, numeric):
    """Norm-wise relative error; 0 when both are exactly zero."""
    a, n = np.ravel(analytic), np.ravel(numeric)
    scale = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - n) / scale)


def channels_last(x):
    """The same logical NCHW array, stored NHWC in memory (how layers pass activations)."""
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def layout(x, name):
    return channels_last(x) if name == "channels_last" else np.ascontiguousarray(x)


def numeric_grad(f, array, indices=None):
    """Centred differences of scalar ``f()`` with respect to ``array`` (perturbed in place)."""
    indices = list(np.ndindex(array.shape)) if indices is None else indices
    out = np.zeros(len(indices))
    for i, idx in enumerate(indices):
        old = array[idx]
        array[idx] = old + STEP
        plus = f()
        array[idx] = old - STEP
        minus = f()
        array[idx] = old
        out[i] = (plus - minus) / (2 * STEP)
    return out


def check_layer(layer, x, reseed=None):
    """Compare the input gradient and every parameter gradient with finite differences."""
    rng = np.random.default_rng(123)

    def run():
        if reseed:
            reseed()
        return layer.forward(x)

    r = rng.standard_normal(run().shape)
    if r.ndim == 4 and not x.flags.c_contiguous:
        r = channels_last(r)  # the next layer hands back gradients in the same memory layout

    def objective():
        return float(np.sum(run() * r))

    objective()
    dx = layer.backward(r)
    analytic = {name: g.copy() for name, g in layer.grads.items()}
    assert dx.shape == x.shape and dx.dtype == np.float64
    assert rel_error(dx, numeric_grad(objective, x)) < TOL
    assert set(analytic) == set(layer.params)
    for name, param in layer.params.items():
        assert rel_error(analytic[name], numeric_grad(objective, param)) < TOL, name


def randomize_bias(layer, rng):
    if "bias" in layer.params:
        layer.params["bias"][...] = rng.standard_normal(layer.params["bias"].shape)


CONV_CASES = [  # (in, out, kernel, stride, padding, H, W)
    (2, 3, 3, 1, 0, 6, 6),
    (2, 3, 3, 1, 1, 5, 6),
    (3, 2, 3, 2, 1, 7, 7),
    (1, 2, 2, 2, 0, 6, 5),
    (2, 2, 3, 2, 2, 5, 5),
    (2, 3, 1, 1, 0, 4, 4),
    (1, 2, 5, 1, 2, 5, 5),
    (2, 2, 3, 3, 1, 8, 7),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: "c{}-{}_k{}_s{}_p{}_{}x{}".format(*c))
@pytest.mark.parametrize("mem", ["nchw", "channels_last"])
def test_conv2d_gradients(case, mem):
    cin, cout, k, s, p, h, w = case
    rng = np.random.default_rng(sum(case))
    conv = Conv2D(cin, cout, k, stride=s, padding=p, rng=rng).to(np.float64)
    randomize_bias(conv, rng)
    x = layout(rng.standard_normal((2, cin, h, w)), mem)
    check_layer(conv, x)


def test_conv2d_without_input_grad_returns_none_but_fills_param_grads():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 2, 7, 7))
    with_input, without = (Conv2D(2, 3, 3, stride=2, padding=1, rng=np.random.default_rng(0)).to(np.float64)
                           for _ in range(2))
    g = rng.standard_normal(with_input.forward(x).shape)
    without.forward(x)
    assert with_input.backward(g) is not None
    assert without.backward(g, input_grad=False) is None
    for key in with_input.grads:
        assert np.abs(without.grads[key]).sum() > 0
        np.testing.assert_allclose(without.grads[key], with_input.grads[key], rtol=1e-12, atol=1e-12)


def test_sequential_first_layer_skips_input_grad():
    rng = np.random.default_rng(2)
    first = Conv2D(1, 2, 3, rng=rng)
    model = cnn.Sequential([first, ReLU(), Flatten(), Dense(2 * 4 * 4, 3, rng=rng)])
    x = rng.standard_normal((2, 1, 6, 6)).astype(np.float32)
    out = model.forward(x)
    assert model.backward(np.ones_like(out)) is None
    assert np.abs(model.layers[0].grads["weight"]).sum() > 0
    assert model.backward(np.ones_like(out), input_grad=True).shape == x.shape
    # The caller's layer is not changed: on its own it still returns its input gradient.
    first.forward(x)
    assert first.backward(np.ones((2, 2, 4, 4), np.float32)).shape == x.shape


POOL_CASES = [  # (kernel, stride, H, W): the first two tile the input (fast path), the rest do not
    (2, None, 6, 4),
    (3, 3, 6, 9),
    (3, 2, 7, 7),
    (2, 1, 5, 4),
    (2, 2, 5, 5),   # stride == k but 2 does not divide 5: general path
    (2, 3, 8, 8),   # gaps between windows
]


@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: "k{}_s{}_{}x{}".format(*c))
@pytest.mark.parametrize("mem", ["nchw", "channels_last"])
def test_maxpool_gradients(case, mem):
    k, s, h, w = case
    rng = np.random.default_rng(h * 10 + w)
    pool = MaxPool2D(k, s).to(np.float64)
    x = layout(rng.standard_normal((2, 3, h, w)), mem)  # continuous values: no ties
    check_layer(pool, x)


@pytest.mark.parametrize("mem", ["nchw", "channels_last"])
def test_relu_gradient(mem):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # stay clear of the kink at 0
    check_layer(ReLU(), layout(x, mem))


def test_relu_gradient_2d():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 7))
    x[np.abs(x) < 1e-3] = 0.5
    check_layer(ReLU(), x)


def test_dense_gradients():
    rng = np.random.default_rng(5)
    dense = Dense(7, 4, rng=rng).to(np.float64)
    randomize_bias(dense, rng)
    check_layer(dense, rng.standard_normal((3, 7)))


@pytest.mark.parametrize("mem", ["nchw", "channels_last"])
def test_flatten_gradient(mem):
    rng = np.random.default_rng(6)
    check_layer(Flatten(), layout(rng.standard_normal((2, 3, 4, 2)), mem))


@pytest.mark.parametrize("mem", ["nchw", "channels_last"])
def test_flatten_into_dense_gradients(mem):
    """Flatten must order features (C, H, W) whatever the memory layout, forward and backward."""
    rng = np.random.default_rng(7)
    dense = Dense(2 * 3 * 3, 4, rng=rng).to(np.float64)
    model = cnn.Sequential([Flatten(), dense])
    x = layout(rng.standard_normal((2, 2, 3, 3)), mem)
    check_layer(_AsLayer(model), x)


class _AsLayer(cnn.Layer):
    """Wrap a Sequential so that check_layer sees its params and grads."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.params = {p.name: p.data for p in model.parameters()}
        self.grads = {p.name: p.grad for p in model.parameters()}

    def forward(self, x):
        return self.model.forward(x)

    def backward(self, grad_out):
        return self.model.backward(grad_out)


@pytest.mark.parametrize("mem", ["nchw", "channels_last"])
def test_dropout_gradient_with_fixed_mask(mem):
    rng = np.random.default_rng(8)
    drop = Dropout(0.3, rng=np.random.default_rng(0)).train()
    x = layout(rng.standard_normal((2, 3, 4, 4)), mem)

    def reseed():  # the same mask for every forward pass
        drop.rng = np.random.default_rng(0)

    check_layer(drop, x, reseed=reseed)
    reseed()
    y = drop.forward(x)
    assert 0 < np.count_nonzero(y == 0) < y.size  # the mask really drops some inputs


def test_dropout_eval_gradient_is_identity():
    drop = Dropout(0.5, rng=np.random.default_rng(0)).eval()
    x = np.random.default_rng(9).standard_normal((3, 5))
    check_layer(drop, x)


def test_cross_entropy_gradient():
    rng = np.random.default_rng(10)
    logits = rng.standard_normal((5, 10)) * 3
    labels = rng.integers(0, 10, 5)
    loss, grad = cross_entropy(logits, labels)
    assert grad.dtype == np.float64
    numeric = numeric_grad(lambda: cross_entropy(logits, labels)[0], logits)
    assert rel_error(grad, numeric) < TOL
    expected = -np.mean(np.log(np.exp(logits) / np.exp(logits).sum(1, keepdims=True))[np.arange(5), labels])
    assert loss == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_normalizer_lets_slices_add_up():
    rng = np.random.default_rng(11)
    logits = rng.standard_normal((6, 10))
    labels = rng.integers(0, 10, 6)
    loss, grad = cross_entropy(logits, labels)
    halves = (slice(0, 4), slice(4, 6))
    (l1, g1), (l2, g2) = (cross_entropy(logits[s], labels[s], normalizer=6) for s in halves)
    assert l1 + l2 == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(np.concatenate([g1, g2]), grad, rtol=1e-6, atol=1e-12)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-5000.0, 5000.0, 0.0]], dtype=np.float32)
    loss, grad = cross_entropy(logits, np.array([0, 0]))
    assert np.isfinite(loss) and np.isfinite(grad).all()
    assert loss == pytest.approx(10000.0 / 2, rel=1e-6)  # -log p = 0 for row 0, 10000 for row 1
    np.testing.assert_allclose(grad, [[0, 0, 0], [-0.5, 0.5, 0]], atol=1e-6)
    assert grad.dtype == np.float32


def test_build_default_gradients_float64():
    """The whole network: loss gradient for a random subset of every weight, and for the input."""
    rng = np.random.default_rng(12)
    model = cnn.build_default(np.random.default_rng(0)).to(np.float64).train()
    for layer in model.layers:
        randomize_bias(layer, rng)
    dropouts = [layer for layer in model.layers if isinstance(layer, Dropout)]
    assert dropouts, "build_default is expected to contain dropout"
    x = rng.standard_normal((2, 1, 28, 28))
    labels = np.array([3, 7])

    def forward():
        for i, d in enumerate(dropouts):
            d.rng = np.random.default_rng(100 + i)  # one fixed mask for every pass
        return model.forward(x)

    def loss():
        return cross_entropy(forward(), labels)[0]

    _, g = cross_entropy(forward(), labels)
    assert model.backward(g) is None  # the first layer computes no input gradient
    for p in model.parameters():
        picks = rng.choice(p.data.size, min(6, p.data.size), replace=False)
        flat = [np.unravel_index(i, p.data.shape) for i in picks]
        analytic = np.array([p.grad[idx] for idx in flat])
        assert np.abs(analytic).max() > 0, p.name
        assert rel_error(analytic, numeric_grad(loss, p.data, flat)) < TOL, p.name

    _, g = cross_entropy(forward(), labels)
    dx = model.backward(g, input_grad=True)
    assert dx.shape == x.shape
    flat = [np.unravel_index(i, x.shape) for i in rng.choice(x.size, 12, replace=False)]
    assert rel_error([dx[idx] for idx in flat], numeric_grad(loss, x, flat)) < TOL


@pytest.mark.parametrize("padding", [0, 1])
def test_conv2d_to_float64_after_float32_forward_computes_in_float64(padding):
    """``to(float64)`` on a layer that has already run must not keep its float32 work buffers
    (the padded input and the im2col columns), or a later gradient check runs at float32 precision."""
    rng = np.random.default_rng(13)
    used = Conv2D(2, 3, 3, padding=padding, rng=np.random.default_rng(0))
    fresh = Conv2D(2, 3, 3, padding=padding, rng=np.random.default_rng(0)).to(np.float64)
    x = rng.standard_normal((2, 2, 5, 5))
    used.forward(x.astype(np.float32))
    used.to(np.float64)
    y_used, y_fresh = used.forward(x), fresh.forward(x)
    assert y_used.dtype == np.float64
    np.testing.assert_allclose(y_used, y_fresh, rtol=1e-12, atol=1e-12)


class _SlightlyWrongReLU(ReLU):
    def backward(self, grad_out):
        return super().backward(grad_out) * 1.001


def test_gradient_check_catches_a_wrong_backward():
    x = np.random.default_rng(14).standard_normal((2, 3, 4, 4)) + 3.0
    with pytest.raises(AssertionError):
        check_layer(_SlightlyWrongReLU(), x)
