"""The fused conv + pool step computes exactly what the two layers compute one after the other."""
import numpy as np
import pytest

import cnn
from cnn import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential
from cnn.layers.conv_pool import ConvPool, fusable


def digits_with_blank_margins(n, c, size, seed=0):
    """Blank borders give exact ties in the 2x2 windows (conv of zeros + bias), as MNIST does."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, c, size, size), np.float32)
    x[:, :, 2:-3, 3:-2] = rng.standard_normal((n, c, size - 5, size - 5))
    return x


def one_by_one(layers, x, grad):
    """Forward through each layer, then backward through each: the unfused reference."""
    outs = x
    for layer in layers:
        outs = layer.forward(outs)
    g = grad
    for layer in reversed(layers):
        g = layer.backward(g)
    return outs, g, [layer.grads[k].copy() for layer in layers for k in layer.grads]


@pytest.mark.parametrize("c_in, size", [(1, 28), (1, 8)])
def test_fused_forward_and_backward_equal_the_two_layers(c_in, size):
    x = digits_with_blank_margins(4, c_in, size, seed=c_in)
    rng = np.random.default_rng(1)
    conv, pool = Conv2D(c_in, 8, 3, padding=1, rng=rng), MaxPool2D(2)
    assert fusable(conv, pool, x)
    grad = np.random.default_rng(2).standard_normal((4, 8, size // 2, size // 2)).astype(np.float32)
    want_out, want_dx, want_grads = one_by_one([conv, pool], x, grad)
    step = ConvPool(conv, pool)
    out = step.forward(x)
    dx = step.backward(grad)
    np.testing.assert_allclose(out, want_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out > 0, want_out > 0)
    np.testing.assert_allclose(dx, want_dx, rtol=1e-4, atol=1e-5)
    for got, want in zip([conv.grads[k] for k in conv.grads], want_grads):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * np.abs(want).max())
    assert step.backward(grad, input_grad=False) is None


def test_ties_send_the_gradient_to_the_first_maximum_only():
    conv, pool = Conv2D(1, 1, 3, padding=1, rng=np.random.default_rng(0)), MaxPool2D(2)
    conv.params["weight"][...] = 0
    conv.params["bias"][...] = 1.0  # every output 1: every window a four-way tie
    x = np.zeros((1, 1, 4, 4), np.float32)
    step = ConvPool(conv, pool)
    step.forward(x)
    # The conv's input gradient shows the routing: with weight 1 at the kernel centre only, it
    # is the gradient each conv output got from the pooling.
    conv.params["weight"][0, 0, 1, 1] = 1.0
    dx = step.backward(np.ones((1, 1, 2, 2), np.float32))
    np.testing.assert_array_equal(dx[0, 0], [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])


def test_sequential_fuses_only_pairs_that_fit_and_learns_the_same():
    rng = np.random.default_rng(3)
    layers = [Conv2D(1, 4, 3, padding=1, rng=rng), MaxPool2D(2), ReLU(),
              Conv2D(4, 6, 3, padding=1, rng=rng), MaxPool2D(2), ReLU(), Flatten(),  # 4 channels: not fused
              Dense(6 * 7 * 7, 10, rng=rng)]
    model = Sequential(layers)
    x = digits_with_blank_margins(5, 1, 28, seed=4)
    logits = model.forward(x)
    kinds = [type(s).__name__ for s in model._steps]
    assert kinds[:3] == ["ConvPool", "ReLU", "Conv2D"]
    loss, grad = cnn.cross_entropy(logits, np.arange(5))
    model.backward(grad)
    fused_grads = [p.grad.copy() for p in model.parameters()]
    want_logits, _, want_grads = one_by_one(layers, x, grad)
    np.testing.assert_allclose(logits, want_logits, rtol=1e-5, atol=1e-6)
    for got, want in zip(fused_grads, want_grads):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * np.abs(want).max())


def test_odd_sizes_run_the_layers_one_by_one():
    conv, pool = Conv2D(1, 2, 3, padding=1, rng=np.random.default_rng(0)), MaxPool2D(2)
    assert not fusable(conv, pool, np.zeros((1, 1, 7, 7), np.float32))
    assert not fusable(conv, MaxPool2D(3), np.zeros((1, 1, 6, 6), np.float32))
    assert not fusable(Conv2D(1, 2, 3, stride=2, padding=1), pool, np.zeros((1, 1, 8, 8), np.float32))
    assert not fusable(Conv2D(3, 2, 3, padding=1), pool, np.zeros((1, 3, 8, 8), np.float32))  # many channels
