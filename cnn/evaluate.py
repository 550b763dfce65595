"""Test-set evaluation: loss, accuracy and the confusion matrix."""
from dataclasses import dataclass

import numpy as np

from .blas import single_threaded_blas
from .loss import log_softmax
from .parallel import DataParallel


@dataclass
class Evaluation:
    loss: float
    accuracy: float
    confusion: np.ndarray  # (K, K) int64; rows = true label, columns = predicted label
    predictions: np.ndarray  # (N,) predicted labels
    probabilities: np.ndarray  # (N, K) float32

    def per_class_accuracy(self):
        """Recall per class, ``(K,)``; NaN for a class with no samples."""
        totals = self.confusion.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.diag(self.confusion) / totals


def evaluate(model, x, y, prepare=None, batch_size=128, on_progress=None, should_stop=None, parallel=None,
             num_classes=10):
    """Run ``model`` in eval mode over ``(x, y)``.

    Args:
        x: inputs, or raw images that ``prepare(batch, None)`` turns into inputs.
        y: ``(N,)`` integer labels.
        on_progress: called as ``on_progress(done, total)`` after every batch.
        should_stop: checked before every batch; when it returns True, evaluation ends early.
        parallel: a ``DataParallel`` to reuse (``fit`` passes its own); one is made otherwise.
    Returns:
        ``Evaluation``, or None if ``should_stop`` ended it; the model's mode is restored.
    """
    was_training = model.training
    dp = parallel or DataParallel(model)
    dp.train(False)
    n, total_loss = len(y), 0.0
    probs = np.empty((n, num_classes), np.float32)
    try:
        with single_threaded_blas():
            for start in range(0, n, batch_size):
                if should_stop and should_stop():
                    return None
                xb, yb = x[start:start + batch_size], y[start:start + batch_size]
                logits = dp.forward(prepare(xb, None) if prepare else xb)
                logp = log_softmax(logits)
                total_loss -= float(logp[np.arange(len(yb)), yb].sum())
                probs[start:start + len(yb)] = np.exp(logp)
                if on_progress:
                    on_progress(min(start + batch_size, n), n)
    finally:
        dp.train(was_training)
        if parallel is None:
            dp.close()
    pred = probs.argmax(axis=1)
    confusion = np.bincount(np.asarray(y, np.int64) * num_classes + pred,
                            minlength=num_classes ** 2).reshape(num_classes, num_classes)
    return Evaluation(total_loss / n, float((pred == y).mean()), confusion, pred, probs)
