"""Confidence that means what it says, and when to answer "not sure".

A network's softmax is overconfident: a 99% answer is right less often than 99 times in 100.
Temperature scaling (Guo et al., 2017) divides the logits by one number ``T`` fitted on digits
the network did not train on, which leaves every answer's digit unchanged and makes the
percentages honest. A reading whose calibrated top probability is below ``unsure_below`` is
*unsure*: "not sure" or "not a digit?" instead of a digit. The threshold is chosen on held-out
digits too, so that ``UNSURE_SHARE`` of them are unsure; a network trained with made-up
non-digits (``cnn.negatives``) spreads its belief on things that are not digits, so they fall
under it.

Both numbers are kept in the weights file's training record (``meta["training"]["calibration"]``)
and used everywhere the network answers: the window, ``app.py predict`` and the evaluation.
"""
import math

import numpy as np

from .loss import log_softmax, softmax

UNSURE_SHARE = 0.003  # of held-out digits whose answer the threshold lets be "unsure"
# Weights files from before calibration: the raw softmax, unsure below an even chance.
DEFAULT = {"temperature": 1.0, "unsure_below": 0.5}
TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(8.0), 241))  # the grid T is fitted on


def fit(logits, labels, unsure_share=UNSURE_SHARE):
    """The ``calibration`` record for held-out ``logits (N, K)`` of digits with ``labels (N,)``.

    ``temperature`` minimises the negative log-likelihood over ``TEMPERATURES``; ``unsure_below``
    is the ``unsure_share`` quantile of the calibrated top probabilities.
    """
    logits = np.asarray(logits, np.float64)
    labels = np.asarray(labels)
    if len(labels) == 0:
        return dict(DEFAULT)
    rows = np.arange(len(labels))
    nll = [-log_softmax(logits / t)[rows, labels].mean() for t in TEMPERATURES]
    temperature = float(TEMPERATURES[int(np.argmin(nll))])
    top = softmax(logits / temperature).max(axis=1)
    return {"temperature": round(temperature, 4),
            "unsure_below": round(float(np.quantile(top, unsure_share)), 6)}


def judge(logits, calibration=None):
    """Calibrated probabilities ``(N, K)`` and unsure flags ``(N,)`` for ``logits (N, K)``."""
    calibration = calibration or DEFAULT
    probabilities = softmax(np.asarray(logits, np.float64) / calibration["temperature"]).astype(np.float32)
    return probabilities, probabilities.max(axis=1) < calibration["unsure_below"]


def from_meta(meta):
    """The calibration record of a weights file's metadata (in its ``training`` record), or
    ``DEFAULT`` when it has none."""
    training = meta.get("training") if isinstance(meta, dict) else None
    record = training.get("calibration") if isinstance(training, dict) else None
    return dict(record) if isinstance(record, dict) and record else dict(DEFAULT)


def problem(record):
    """Why ``record`` is not a usable calibration record, or None when it is."""
    if not isinstance(record, dict):
        return "the calibration record is not a record"
    t, u = record.get("temperature"), record.get("unsure_below")
    if not _number(t) or not 0.01 <= t <= 100:
        return f"calibration temperature {t!r} is not a number from 0.01 to 100"
    if not _number(u) or not 0.0 <= u <= 1.0:
        return f"calibration threshold {u!r} is not a number from 0 to 1"
    return None


def expected_calibration_error(probabilities, labels, bins=15):
    """ECE: the gap between confidence and accuracy, averaged over equal-width confidence bins.

    Returns ``(ece, table)`` where ``table`` is ``[(low, high, count, mean confidence, accuracy)]``
    for the non-empty bins (a reliability diagram's bars).
    """
    probabilities = np.asarray(probabilities)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(labels)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    ece, table = 0.0, []
    for b in range(bins):
        inside = which == b
        if inside.any():
            mean_conf, accuracy = float(confidence[inside].mean()), float(correct[inside].mean())
            ece += inside.mean() * abs(mean_conf - accuracy)
            table.append((float(edges[b]), float(edges[b + 1]), int(inside.sum()), mean_conf, accuracy))
    return float(ece), table


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
