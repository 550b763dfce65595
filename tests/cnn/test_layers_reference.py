"""Layers against slow, obvious reference code; pooling ties; dropout statistics; shapes and reprs."""
import numpy as np
import pytest

import cnn
from cnn import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from cnn.layers import conv as conv_module


def channels_last(x):
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def reference_conv(x, weight, bias, stride, padding):
    """One dot product per output pixel."""
    n, _, h, w = x.shape
    cout, _, k, _ = weight.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - k) // stride + 1, (w + 2 * padding - k) // stride + 1
    out = np.zeros((n, cout, oh, ow))
    for b in range(n):
        for o in range(cout):
            for i in range(oh):
                for j in range(ow):
                    window = xp[b, :, i * stride:i * stride + k, j * stride:j * stride + k]
                    out[b, o, i, j] = np.sum(window * weight[o]) + bias[o]
    return out


def reference_pool(x, k, stride):
    """Max of every window, and the gradient of ``sum(out * g)``: g goes to the first maximum."""
    n, c, h, w = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.zeros((n, c, oh, ow))
    route = np.zeros((n, c, oh, ow, 2), dtype=int)
    for b, ch, i, j in np.ndindex(n, c, oh, ow):
        window = x[b, ch, i * stride:i * stride + k, j * stride:j * stride + k]
        out[b, ch, i, j] = window.max()
        first = np.flatnonzero(window.ravel() == window.max())[0]
        route[b, ch, i, j] = (i * stride + first // k, j * stride + first % k)
    return out, route


def reference_pool_backward(x_shape, route, g):
    dx = np.zeros(x_shape)
    for b, ch, i, j in np.ndindex(g.shape):
        r, s = route[b, ch, i, j]
        dx[b, ch, r, s] += g[b, ch, i, j]
    return dx


def random_conv_cases(count, seed):
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        k = int(rng.integers(1, 6))
        stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        h, w = int(rng.integers(k, 10)), int(rng.integers(k, 10))
        cases.append((int(rng.integers(1, 4)), int(rng.integers(1, 5)), k, stride, padding, h, w))
    return cases


@pytest.mark.parametrize("case", random_conv_cases(12, seed=20),
                         ids=lambda c: "c{}-{}_k{}_s{}_p{}_{}x{}".format(*c))
def test_conv2d_forward_matches_reference(case):
    cin, cout, k, stride, padding, h, w = case
    rng = np.random.default_rng(sum(case))
    conv = Conv2D(cin, cout, k, stride=stride, padding=padding, rng=rng)
    conv.params["bias"][...] = rng.standard_normal(cout)
    x = rng.standard_normal((2, cin, h, w)).astype(np.float32)
    expected = reference_conv(x.astype(np.float64), conv.params["weight"].astype(np.float64),
                              conv.params["bias"].astype(np.float64), stride, padding)
    for inp in (x, channels_last(x)):
        y = conv.forward(inp)
        assert y.shape == expected.shape and y.dtype == np.float32
        np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
    conv64 = Conv2D(cin, cout, k, stride=stride, padding=padding, rng=rng).to(np.float64)
    conv64.params["weight"][...] = conv.params["weight"]
    conv64.params["bias"][...] = conv.params["bias"]
    np.testing.assert_allclose(conv64.forward(x.astype(np.float64)), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", [5, 8])
def test_conv2d_chunked_batch_matches_reference(monkeypatch, n):
    """Forcing small column chunks (uneven last chunk with n=5) must not change the result."""
    rng = np.random.default_rng(21)
    conv = Conv2D(2, 3, 3, stride=1, padding=1, rng=rng)
    conv.params["bias"][...] = rng.standard_normal(3)
    x = rng.standard_normal((n, 2, 6, 6)).astype(np.float32)
    whole_y = conv.forward(x).copy()
    g = rng.standard_normal(whole_y.shape).astype(np.float32)
    whole_dx = conv.backward(g).copy()
    whole_dw = conv.grads["weight"].copy()
    monkeypatch.setattr(conv_module, "CHUNK_FLOATS", 2 * 36 * 9 * 2)  # two images per chunk
    assert len(conv._chunks(n, 36)) == -(-n // 2)
    expected = reference_conv(x.astype(np.float64), conv.params["weight"].astype(np.float64),
                              conv.params["bias"].astype(np.float64), 1, 1)
    np.testing.assert_allclose(conv.forward(x), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(conv.forward(x), whole_y, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(conv.backward(g), whole_dx, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(conv.grads["weight"], whole_dw, rtol=1e-5, atol=1e-5)


def test_conv2d_rejects_wrong_channel_count():
    conv = Conv2D(3, 4, 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="expects 3 input channels, got 2"):
        conv.forward(np.zeros((1, 2, 5, 5), np.float32))


def random_pool_cases(count, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(count):
        k = int(rng.integers(1, 5))
        stride = int(rng.integers(1, 5))
        cases.append((k, stride, int(rng.integers(k, 10)), int(rng.integers(k, 10))))
    return cases + [(2, 2, 8, 6), (3, 3, 9, 6), (2, 2, 28, 28)]  # tiling (fast path)


@pytest.mark.parametrize("case", random_pool_cases(10, seed=22), ids=lambda c: "k{}_s{}_{}x{}".format(*c))
def test_maxpool_matches_reference(case):
    k, stride, h, w = case
    rng = np.random.default_rng(sum(case))
    x = rng.standard_normal((2, 3, h, w)).astype(np.float32)
    x[0, 0] = np.round(x[0, 0])  # some ties as well
    expected, route = reference_pool(x, k, stride)
    g = rng.standard_normal(expected.shape).astype(np.float32)
    expected_dx = reference_pool_backward(x.shape, route, g)
    pool = MaxPool2D(k, stride)
    for inp in (x, channels_last(x)):
        y = pool.forward(inp)
        assert y.shape == expected.shape and y.dtype == np.float32
        np.testing.assert_array_equal(y, expected)
        for grad in (g, channels_last(g)):
            dx = pool.backward(grad)
            assert dx.shape == x.shape
            np.testing.assert_allclose(dx, expected_dx, rtol=1e-6, atol=1e-6)


POOL_PATHS = [(2, 2, 4, 6), (3, 3, 6, 6), (3, 2, 7, 7), (2, 1, 4, 4)]  # fast, fast, general, general


@pytest.mark.parametrize("case", POOL_PATHS, ids=lambda c: "k{}_s{}_{}x{}".format(*c))
@pytest.mark.parametrize("mem", ["nchw", "channels_last"])
def test_maxpool_all_equal_windows_send_gradient_to_first_input_only(case, mem):
    """A blank background: every window ties; each window's gradient goes to its top-left input."""
    k, stride, h, w = case
    x = np.zeros((2, 3, h, w), np.float32)
    x = channels_last(x) if mem == "channels_last" else x
    pool = MaxPool2D(k, stride)
    y = pool.forward(x)
    g = np.random.default_rng(23).uniform(1, 2, y.shape).astype(np.float32)
    dx = pool.backward(g)
    expected = np.zeros(x.shape, np.float32)
    oh, ow = y.shape[2:]
    expected[:, :, 0:stride * oh:stride, 0:stride * ow:stride] += g  # window tops-lefts are distinct
    np.testing.assert_array_equal(dx, expected)
    assert dx.sum() == pytest.approx(g.sum(), rel=1e-6)


@pytest.mark.parametrize("stride", [2, 1])
def test_maxpool_partial_tie_goes_to_first_in_row_major_order(stride):
    """Window [[0, 5], [5, 1]]: the 5 in the top row wins, not the one below it."""
    x = np.array([[[[0, 5], [5, 1]]]], np.float32)
    x = np.pad(x, ((0, 0), (0, 0), (0, 2), (0, 2)), constant_values=-1)  # 4x4; other windows negative
    pool = MaxPool2D(2, stride)
    y = pool.forward(x)
    g = np.zeros_like(y)
    g[0, 0, 0, 0] = 1  # only the first window's gradient (with stride 1 windows overlap)
    dx = pool.backward(g)
    assert y[0, 0, 0, 0] == 5
    expected = np.zeros_like(x)
    expected[0, 0, 0, 1] = 1
    np.testing.assert_array_equal(dx, expected)


def test_dropout_train_statistics():
    p = 0.4
    drop = Dropout(p, rng=np.random.default_rng(24)).train()
    x = np.ones((64, 8, 14, 14), np.float32)  # ~100k values
    y = drop.forward(x)
    dropped = np.mean(y == 0)
    assert dropped == pytest.approx(p, abs=0.01)
    np.testing.assert_allclose(y[y != 0], 1 / (1 - p), rtol=1e-6)
    assert y.mean() == pytest.approx(1.0, abs=0.02)
    g = np.full_like(x, 2.0)
    np.testing.assert_array_equal(drop.backward(g), 2 * y)  # the same mask in backward


def test_dropout_eval_is_identity_and_p_zero_too():
    x = np.random.default_rng(25).standard_normal((3, 4)).astype(np.float32)
    drop = Dropout(0.5, rng=np.random.default_rng(0)).eval()
    np.testing.assert_array_equal(drop.forward(x), x)
    np.testing.assert_array_equal(drop.backward(x), x)
    np.testing.assert_array_equal(Dropout(0.0).train().forward(x), x)


def test_dropout_masks_depend_only_on_the_seed():
    x = np.ones((10, 50), np.float32)
    a, b, c = (Dropout(0.5, rng=np.random.default_rng(s)).forward(x) for s in (7, 7, 8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    drop = Dropout(0.5, rng=np.random.default_rng(7))
    assert not np.array_equal(drop.forward(x), drop.forward(x))  # a new mask every batch


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5])
def test_dropout_rejects_bad_probability(p):
    with pytest.raises(ValueError, match=str(p)):
        Dropout(p)


@pytest.mark.parametrize("case,expected", [
    ((1, 8, 3, 1, 1, 28, 28), (2, 8, 28, 28)),
    ((1, 8, 3, 1, 0, 28, 28), (2, 8, 26, 26)),
    ((3, 4, 3, 2, 1, 28, 27), (2, 4, 14, 14)),
    ((2, 5, 5, 3, 2, 10, 7), (2, 5, 4, 3)),
])
def test_conv2d_output_shape(case, expected):
    cin, cout, k, s, p, h, w = case
    conv = Conv2D(cin, cout, k, stride=s, padding=p, rng=np.random.default_rng(0))
    assert conv.forward(np.zeros((2, cin, h, w), np.float32)).shape == expected
    assert conv.params["weight"].shape == (cout, cin, k, k) and conv.params["bias"].shape == (cout,)


@pytest.mark.parametrize("k,stride,hw,expected", [(2, None, (28, 28), (14, 14)), (3, 2, (7, 8), (3, 3)),
                                                  (2, 1, (5, 5), (4, 4)), (2, 2, (5, 7), (2, 3))])
def test_maxpool_output_shape(k, stride, hw, expected):
    assert MaxPool2D(k, stride).forward(np.zeros((2, 3) + hw, np.float32)).shape == (2, 3) + expected


def test_dense_flatten_shapes():
    dense = Dense(12, 5, rng=np.random.default_rng(0))
    assert dense.params["weight"].shape == (5, 12)
    x = np.random.default_rng(1).standard_normal((4, 3, 2, 2)).astype(np.float32)
    flat = Flatten().forward(channels_last(x))
    np.testing.assert_array_equal(flat, x.reshape(4, 12))  # PyTorch's (C, H, W) order
    assert dense.forward(flat).shape == (4, 5)


def test_build_default_shapes():
    model = cnn.build_default(np.random.default_rng(0))
    x = np.zeros((3, 1, 28, 28), np.float32)
    assert model.forward(x).shape == (3, 10)
    probs = model.predict_proba(x)
    assert probs.shape == (3, 10) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)


def test_reprs():
    assert repr(Conv2D(1, 8, 3, padding=1, rng=np.random.default_rng(0))) == \
        "Conv2D(1, 8, kernel_size=3, stride=1, padding=1)"
    assert repr(MaxPool2D(2)) == "MaxPool2D(kernel_size=2, stride=2)"
    assert repr(MaxPool2D(3, 2)) == "MaxPool2D(kernel_size=3, stride=2)"
    assert repr(Dense(4, 2, rng=np.random.default_rng(0))) == "Dense(in_features=4, out_features=2)"
    assert repr(ReLU()) == "ReLU()"
    assert repr(Flatten()) == "Flatten()"
    assert repr(Dropout(0.4)) == "Dropout(p=0.4)"
    text = repr(cnn.build_default(np.random.default_rng(0)))
    assert text.startswith("Sequential(") and "(0): Conv2D(1, 32" in text
    assert "(10): Dense(in_features=128" in text
