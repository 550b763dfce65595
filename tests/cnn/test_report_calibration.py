"""The evaluation report reads the answers with the weights' calibration: ECE before and after,
the reliability table and the unsure flags, on made-up logits whose calibration error is known."""
import math
from types import SimpleNamespace

import numpy as np
import pytest

import cnn
from cnn.report import ECE_BINS

N = 1000


def top_logit(confidence, k=10):
    """The logit, the others being 0, that gives the top digit ``confidence``."""
    return math.log(confidence * (k - 1) / (1 - confidence))


def logits_for(confidence, right_share, n=N, rng=None):
    """``(logits (n, 10), labels (n,))``: every answer is ``confidence`` sure, ``right_share`` of them right."""
    rng = rng or np.random.default_rng(0)
    guesses = rng.integers(10, size=n)
    logits = np.zeros((n, 10))
    logits[np.arange(n), guesses] = top_logit(confidence)
    labels = guesses.copy()
    wrong = np.arange(n) >= round(right_share * n)
    labels[wrong] = (guesses[wrong] + 1 + rng.integers(9, size=wrong.sum())) % 10
    return logits, labels


def evaluation_of(logits, labels, keep_logits=False):
    """What ``cnn.evaluate`` returns for these logits (with them too, for ``keep_logits``)."""
    probabilities = cnn.softmax(logits).astype(np.float32)
    predictions = probabilities.argmax(axis=1)
    confusion = np.bincount(labels * 10 + predictions, minlength=100).reshape(10, 10)
    evaluation = cnn.Evaluation(0.0, float((predictions == labels).mean()), confusion, predictions, probabilities)
    if keep_logits:
        return SimpleNamespace(**vars(evaluation), logits=logits.astype(np.float32),
                               per_class_accuracy=evaluation.per_class_accuracy)
    return evaluation


def report_of(logits, labels, calibration=None, keep_logits=False):
    images = np.zeros((len(labels), 28, 28), np.uint8)
    return cnn.EvaluationReport(evaluation_of(logits, labels, keep_logits), images, labels, "test", calibration)


def test_ninety_percent_sure_and_ninety_percent_right_is_calibrated():
    report = report_of(*logits_for(0.9, 0.9))
    assert report.ece == pytest.approx(0.0, abs=1e-6)
    assert report.ece_uncalibrated == pytest.approx(0.0, abs=1e-6)
    [(low, high, count, confidence, accuracy)] = report.reliability()
    assert low < 0.9 <= high and count == N
    assert confidence == pytest.approx(0.9, abs=1e-6) and accuracy == pytest.approx(0.9)


def test_ninety_nine_percent_sure_and_half_right_is_off_by_forty_nine_points():
    report = report_of(*logits_for(0.99, 0.5))
    assert report.ece == pytest.approx(0.49, abs=1e-6)
    assert report.ece_uncalibrated == pytest.approx(0.49, abs=1e-6)
    assert report.temperature == 1.0 and report.probabilities is report.evaluation.probabilities


@pytest.mark.parametrize("keep_logits", [False, True])
def test_the_temperature_changes_the_ece_and_not_the_answers(keep_logits):
    logits, labels = logits_for(0.99, 0.5)
    honest = top_logit(0.99) / math.log(9)  # the temperature that makes every answer 50% sure
    report = report_of(logits, labels, {"temperature": honest, "unsure_below": 0.0}, keep_logits)
    assert report.ece_uncalibrated == pytest.approx(0.49, abs=1e-6)
    assert report.ece == pytest.approx(0.0, abs=1e-5)
    np.testing.assert_allclose(report.probabilities.max(axis=1), 0.5, atol=1e-6)
    np.testing.assert_allclose(report.probabilities, cnn.calibration.judge(logits, report.calibration)[0],
                               atol=1e-6)
    # The digits read, and so the matrix and the accuracy, are the evaluation's.
    np.testing.assert_array_equal(report.probabilities.argmax(axis=1), report.predictions)
    assert report.accuracy == 0.5 and report.confusion.sum() == N
    # Both tables hold every digit, in the bin of its confidence.
    after, before = report.reliability(), report.reliability(calibrated=False)
    assert sum(row[2] for row in after) == sum(row[2] for row in before) == N
    assert before[-1][1] == 1.0 and after[0][0] < 0.5 <= after[0][1]
    assert 0 < report.ece_uncalibrated - report_of(logits, labels, {"temperature": 1.5, "unsure_below": 0}).ece


def test_unsure_flags_follow_the_threshold():
    sure, unsure = logits_for(0.99, 1.0, n=300), logits_for(0.9, 1.0, n=700, rng=np.random.default_rng(1))
    logits, labels = np.concatenate([sure[0], unsure[0]]), np.concatenate([sure[1], unsure[1]])
    report = report_of(logits, labels, {"temperature": 1.0, "unsure_below": 0.95})
    np.testing.assert_array_equal(report.unsure, np.arange(N) >= 300)
    assert report.unsure_share == pytest.approx(0.7)
    # Cooled down, the 90% answers become surer than the threshold.
    cooled = report_of(logits, labels, {"temperature": 0.5, "unsure_below": 0.95})
    assert cooled.unsure_share == 0.0
    assert report_of(logits, labels).unsure_share == 0.0  # the default: unsure below an even chance


def test_the_report_reads_with_calibrated_probabilities():
    logits, labels = logits_for(0.8, 0.5)
    logits[:, 3] += np.linspace(0, 1, N)  # some spread, so the top three differ
    report = report_of(logits, labels, {"temperature": 0.5, "unsure_below": 0.9})
    wrong = report.confidently_wrong(5)
    assert all(report.predictions[i] != labels[i] for i in wrong)
    sureness = report.confidence(wrong)
    assert np.all(np.diff(sureness) <= 0)
    assert sureness[0] > report.evaluation.probabilities[wrong[0]].max()  # a temperature below 1 sharpens
    top = report.top_probabilities(int(wrong[0]))
    assert top[0] == (int(report.predictions[wrong[0]]), pytest.approx(float(sureness[0])))
    assert "ece=" in repr(report) and "temperature=0.5" in repr(report)


def test_a_probability_that_underflowed_stays_zero():
    logits = np.zeros((2, 10))
    logits[:, 0] = [200.0, 5.0]  # the first row's other digits underflow to exactly 0 in float32
    report = report_of(logits, np.array([0, 0]), {"temperature": 4.0, "unsure_below": 0.5})
    assert np.isfinite(report.probabilities).all()
    np.testing.assert_allclose(report.probabilities.sum(axis=1), 1.0, atol=1e-6)
    assert report.probabilities[0, 0] == pytest.approx(1.0) and not report.unsure[0]
    assert report.unsure[1]  # 5/4 over nine zeros: about 28% sure
    assert len(report.reliability(bins=ECE_BINS)) == 2
