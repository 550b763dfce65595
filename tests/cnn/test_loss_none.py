"""cnn.cross_entropy with "none of these" rows (label K): gradients, value, slices, minimum."""
import numpy as np
import pytest

from cnn import cross_entropy
from cnn.loss import NONE_WEIGHT
from test_layers_gradients import numeric_grad

K = 10


def hand_loss(logits, labels, normalizer):
    """The loss written out row by row, with a naive softmax (the logits here are small)."""
    total = 0.0
    for z, y in zip(logits, labels):
        logp = np.log(np.exp(z) / np.exp(z).sum())
        total += -NONE_WEIGHT * logp.mean() if y == K else -logp[y]
    return total / normalizer


def batch(seed=0, n=8):
    """Float64 logits and labels where every other row is "none"."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, K, n)
    labels[::2] = K
    return rng.standard_normal((n, K)) * 2, labels


@pytest.mark.parametrize("labels", [
    np.array([K, 3, K, 0, 9, K, K, 5]),  # mixed
    np.full(8, K),                       # all "none"
    np.array([1, 3, 4, 0, 9, 2, 7, 5]),  # none "none": the common path
])
@pytest.mark.parametrize("normalizer", [None, 20])
def test_gradient_matches_finite_differences(labels, normalizer):
    logits = np.random.default_rng(1).standard_normal((len(labels), K)) * 2
    _, grad = cross_entropy(logits, labels, normalizer)
    numeric = numeric_grad(lambda: cross_entropy(logits, labels, normalizer)[0], logits).reshape(logits.shape)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("normalizer", [None, 5, 32])
def test_loss_is_the_hand_formula(normalizer):
    logits, labels = batch(2)
    loss, _ = cross_entropy(logits, labels, normalizer)
    assert isinstance(loss, float)
    assert loss == pytest.approx(hand_loss(logits, labels, normalizer or len(labels)), rel=1e-12)


def test_all_none_loss_is_the_hand_formula():
    logits = np.random.default_rng(3).standard_normal((5, K))
    labels = np.full(5, K, np.uint8)  # training labels come as uint8
    assert cross_entropy(logits, labels)[0] == pytest.approx(hand_loss(logits, labels, 5), rel=1e-12)


@pytest.mark.parametrize("split", [
    (slice(0, 4), slice(4, 8)),       # both halves mixed
    ([1, 3, 5, 7], [0, 2, 4, 6]),     # labelled rows alone (common path), "none" rows alone
])
def test_slices_with_the_whole_batch_normalizer_add_up(split):
    logits, labels = batch(4)
    loss, grad = cross_entropy(logits, labels)
    parts = [cross_entropy(logits[s], labels[s], normalizer=len(labels)) for s in split]
    assert parts[0][0] + parts[1][0] == pytest.approx(loss, rel=1e-12)
    whole = np.empty_like(grad)
    for s, (_, g) in zip(split, parts):
        whole[s] = g
    np.testing.assert_allclose(whole, grad, rtol=1e-12, atol=1e-15)


def test_a_none_row_is_cheapest_with_equal_logits():
    rng = np.random.default_rng(5)
    label = np.array([K])
    for level in (-3.0, 0.0, 7.5):
        loss, grad = cross_entropy(np.full((1, K), level), label)
        assert loss == pytest.approx(NONE_WEIGHT * np.log(K), rel=1e-12)
        np.testing.assert_allclose(grad, 0.0, atol=1e-15)
    flat = NONE_WEIGHT * np.log(K)
    for scale in (1e-3, 0.1, 1.0, 10.0):
        others = [cross_entropy(rng.standard_normal((1, K)) * scale, label)[0] for _ in range(50)]
        assert min(others) > flat


def test_none_rows_do_not_pull_towards_any_class():
    """The gradient of a "none" row sums to zero and points from the current belief to uniform."""
    logits, labels = batch(6)
    _, grad = cross_entropy(logits, labels)
    none = labels == K
    np.testing.assert_allclose(grad[none].sum(axis=1), 0.0, atol=1e-15)
    p = np.exp(logits[none]) / np.exp(logits[none]).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(grad[none], NONE_WEIGHT * (p - 1 / K) / len(labels), rtol=1e-12)


def test_none_rows_are_stable_for_huge_logits_and_keep_float32():
    logits = np.array([[1000.0, -1000.0] + [0.0] * (K - 2), [0.0] * K], np.float32)
    loss, grad = cross_entropy(logits, np.array([K, 2]))
    assert np.isfinite(loss) and np.isfinite(grad).all()
    assert grad.dtype == np.float32
    assert loss == pytest.approx((NONE_WEIGHT * 1000 + np.log(K)) / 2, rel=1e-5)
