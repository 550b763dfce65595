"""Softmax and the fused, numerically stable softmax cross-entropy.

Training data may hold examples of *none of the classes* (label ``K`` with ``K`` logits: for
digits, 10 = "not a digit"). Their target is the uniform distribution, weighted by
``NONE_WEIGHT`` (outlier exposure, Hendrycks et al., 2019): the network learns to spread its
belief on things it was never meant to name, so a low top probability means "none of these".
"""
import numpy as np

NONE_WEIGHT = 0.5  # the weight of a "none of these" example's loss against a labelled one's


def log_softmax(logits):
    """``(N, K)`` -> ``(N, K)``; subtracting the row maximum keeps exp() from overflowing."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits):
    """Probabilities ``(N, K)`` from logits ``(N, K)``."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(logits, labels, normalizer=None):
    """Mean softmax cross-entropy and its gradient with respect to the logits, in one pass.

    Args:
        logits: ``(N, K)`` float.
        labels: ``(N,)`` ints in 0..K-1, or K for "none of these" (target: uniform).
        normalizer: divide by this instead of N (a thread working on a slice of a batch passes the
            whole batch size, so the slices' gradients simply add up).
    Returns:
        ``(loss, grad)`` with ``loss`` a Python float and ``grad`` ``(N, K)`` like ``logits``.
    """
    n, k = logits.shape
    normalizer = n if normalizer is None else normalizer
    logp = log_softmax(logits)
    grad = np.exp(logp)
    none = labels == k
    if not none.any():  # the common case, without the extra indexing
        rows = np.arange(n)
        loss = -float(logp[rows, labels].sum())
        grad[rows, labels] -= 1.0
    else:
        rows = np.flatnonzero(~none)
        loss = -float(logp[rows, labels[rows]].sum())
        grad[rows, labels[rows]] -= 1.0
        loss -= NONE_WEIGHT * float(logp[none].mean(axis=1).sum())
        grad[none] = NONE_WEIGHT * (grad[none] - 1.0 / k)
    grad *= np.float32(1.0 / normalizer)
    return loss / normalizer, grad.astype(logits.dtype, copy=False)
