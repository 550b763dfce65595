"""SGD and Adam: convergence on a quadratic, Adam's formula, and hyperparameter validation."""
import math

import numpy as np
import pytest

from cnn import SGD, Adam, Dense, Parameter


def quadratic(seed=0, n=6, d=4):
    """f(w) = 0.5 ||A w - b||^2 (+ 0.5 wd ||w||^2), well conditioned, with its minimiser."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, d)))
    a = q * np.linspace(1.0, 2.0, d)  # singular values 1..2: condition number 2
    b = rng.standard_normal(n)
    return a.astype(np.float32), b.astype(np.float32)


def optimum(a, b, weight_decay=0.0):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return np.linalg.solve(a64.T @ a64 + weight_decay * np.eye(a.shape[1]), a64.T @ b64)


def minimise(make_opt, steps, weight_decay=0.0):
    a, b = quadratic()
    w = Parameter("w", np.zeros(a.shape[1], np.float32), np.zeros(a.shape[1], np.float32))
    opt = make_opt([w], weight_decay)
    for _ in range(steps):
        opt.zero_grad()
        w.grad[...] = a.T @ (a @ w.data - b)  # the optimizer adds the weight decay term itself
        opt.step()
    return w.data, optimum(a, b, weight_decay)


@pytest.mark.parametrize("name,make_opt,steps", [
    ("sgd", lambda p, wd: SGD(p, lr=0.2, weight_decay=wd), 200),
    ("sgd-momentum", lambda p, wd: SGD(p, lr=0.05, momentum=0.9, weight_decay=wd), 200),
    ("adam", lambda p, wd: Adam(p, lr=0.05, weight_decay=wd), 1500),
])
@pytest.mark.parametrize("weight_decay", [0.0, 0.5])
def test_optimizers_reach_the_minimum_of_a_quadratic(name, make_opt, steps, weight_decay):
    w, best = minimise(make_opt, steps, weight_decay)
    assert np.linalg.norm(best) > 0.5
    np.testing.assert_allclose(w, best, atol=2e-3)


def test_weight_decay_moves_the_optimum():
    with_wd, best_wd = minimise(lambda p, wd: SGD(p, lr=0.2, weight_decay=wd), 200, weight_decay=0.5)
    without, best = minimise(lambda p, wd: SGD(p, lr=0.2, weight_decay=wd), 200)
    assert np.linalg.norm(best - best_wd) > 0.05
    assert np.linalg.norm(with_wd - without) > 0.05
    assert np.linalg.norm(with_wd) < np.linalg.norm(without)  # decay shrinks the weights


def test_sgd_trains_a_dense_layer_in_place():
    """The optimizer updates the layer's own arrays through ``Parameter`` views."""
    rng = np.random.default_rng(1)
    dense = Dense(3, 2, rng=rng)
    true_w = rng.standard_normal((2, 3)).astype(np.float32)
    true_b = rng.standard_normal(2).astype(np.float32)
    x = rng.standard_normal((32, 3)).astype(np.float32)
    target = x @ true_w.T + true_b
    params = [Parameter(k, dense.params[k], dense.grads[k]) for k in dense.params]
    opt = SGD(params, lr=0.1, momentum=0.5)
    for _ in range(300):
        y = dense.forward(x)
        dense.backward((y - target) / len(x))
        opt.step()
    np.testing.assert_allclose(dense.params["weight"], true_w, atol=1e-3)
    np.testing.assert_allclose(dense.params["bias"], true_b, atol=1e-3)


def test_sgd_momentum_step_by_hand():
    w = Parameter("w", np.array([1.0, -2.0], np.float32), np.array([0.5, 1.0], np.float32))
    opt = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.01)
    opt.step()  # v = g + wd w
    v1 = np.array([0.5 + 0.01, 1.0 - 0.02])
    np.testing.assert_allclose(w.data, np.array([1.0, -2.0]) - 0.1 * v1, rtol=1e-6)
    before = w.data.astype(np.float64)
    w.grad[...] = [-1.0, 2.0]
    opt.step()  # v = 0.9 v + g + wd w
    v2 = 0.9 * v1 + np.array([-1.0, 2.0]) + 0.01 * before
    np.testing.assert_allclose(w.data, before - 0.1 * v2, rtol=1e-6)


def adam_reference(theta, grads, lr, b1, b2, eps, wd=0.0):
    """Kingma & Ba (2015), Algorithm 1, in float64."""
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        g = g + wd * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_adam_matches_the_papers_formula(wd):
    rng = np.random.default_rng(2)
    theta0 = rng.standard_normal(5)
    grads = [rng.standard_normal(5) * s for s in (1.0, 0.01, 3.0)]
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-3  # a large eps so that its placement matters
    w = Parameter("w", theta0.astype(np.float32), np.zeros(5, np.float32))
    opt = Adam([w], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    for t, g in enumerate(grads, start=1):
        w.grad[...] = g
        opt.step()
        expected = adam_reference(theta0, grads[:t], lr, b1, b2, eps, wd)
        np.testing.assert_allclose(w.data, expected, rtol=1e-5, atol=1e-7)
    assert opt.t == 3


def test_adam_first_step_moves_each_weight_by_about_lr():
    w = Parameter("w", np.zeros(3, np.float32), np.array([1e-3, -5.0, 200.0], np.float32))
    Adam([w], lr=0.01).step()
    np.testing.assert_allclose(w.data, [-0.01, 0.01, -0.01], rtol=1e-4)


def test_zero_grad_clears_every_gradient():
    params = [Parameter(str(i), np.ones(3, np.float32), np.full(3, 7.0, np.float32)) for i in range(2)]
    SGD(params, lr=0.1).zero_grad()
    for p in params:
        np.testing.assert_array_equal(p.grad, 0)


def one_param():
    return [Parameter("w", np.zeros(2, np.float32), np.zeros(2, np.float32))]


@pytest.mark.parametrize("make,bad", [
    (lambda: SGD(one_param(), lr=0.0), "0.0"),
    (lambda: SGD(one_param(), lr=-0.1), "-0.1"),
    (lambda: SGD(one_param(), lr=math.nan), "nan"),
    (lambda: SGD(one_param(), lr=math.inf), "inf"),
    (lambda: SGD(one_param(), lr=0.1, momentum=1.0), "1.0"),
    (lambda: SGD(one_param(), lr=0.1, momentum=-0.5), "-0.5"),
    (lambda: SGD(one_param(), lr=0.1, weight_decay=-1e-4), "-0.0001"),
    (lambda: Adam(one_param(), lr=-1e-3), "-0.001"),
    (lambda: Adam(one_param(), lr=math.nan), "nan"),
    (lambda: Adam(one_param(), betas=(1.0, 0.999)), "1.0"),
    (lambda: Adam(one_param(), betas=(0.9, 1.5)), "1.5"),
    (lambda: Adam(one_param(), betas=(-0.1, 0.999)), "-0.1"),
    (lambda: Adam(one_param(), betas=(0.9, math.nan)), "nan"),
    (lambda: Adam(one_param(), eps=-1e-8), "-1e-08"),
    (lambda: Adam(one_param(), weight_decay=-0.5), "-0.5"),
])
def test_bad_hyperparameters_raise_value_error_naming_the_value(make, bad):
    with pytest.raises(ValueError) as info:
        make()
    assert bad in str(info.value)


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_empty_parameter_list_is_rejected(cls):
    with pytest.raises(ValueError, match="empty"):
        cls([], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        cls(iter([]), lr=0.1)


def test_boundary_hyperparameters_are_accepted():
    SGD(one_param(), lr=1e-9, momentum=0.0, weight_decay=0.0)
    Adam(one_param(), lr=1.0, betas=(0.0, 0.0), eps=0.0)
    Adam(one_param(), betas=(0.999999, 0.999999))


def test_reprs():
    assert repr(SGD(one_param(), lr=0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9, weight_decay=0.0)"
    assert repr(Adam(one_param(), lr=0.001)) == \
        "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0)"
