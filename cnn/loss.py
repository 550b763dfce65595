"""Softmax and the fused, numerically stable softmax cross-entropy."""
import numpy as np


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
        labels: ``(N,)`` ints in 0..K-1.
        normalizer: divide by this instead of N (a thread working on a slice of a batch passes the
            whole batch size, so the slices' gradients simply add up).
    Returns:
        ``(loss, grad)`` with ``loss`` a Python float and ``grad`` ``(N, K)`` like ``logits``.
    """
    n = len(labels)
    normalizer = n if normalizer is None else normalizer
    logp = log_softmax(logits)
    rows = np.arange(n)
    loss = -float(logp[rows, labels].sum()) / normalizer
    grad = np.exp(logp)
    grad[rows, labels] -= 1.0
    grad *= np.float32(1.0 / normalizer)
    return loss, grad.astype(logits.dtype, copy=False)
