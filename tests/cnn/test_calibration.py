"""cnn.calibration: temperature fitting, the unsure threshold, records, and the ECE."""
import math

import numpy as np
import pytest

from cnn import calibration
from cnn.calibration import DEFAULT, TEMPERATURES, expected_calibration_error, fit, from_meta, judge, problem
from cnn.loss import softmax

GRID_STEP = math.log(TEMPERATURES[1] / TEMPERATURES[0])  # the grid is evenly spaced in log T


def sampled(n, seed=0, classes=10):
    """Logits ``z (n, K)`` and labels drawn from ``softmax(z)``: ``z`` is calibrated at T = 1."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, classes)) * 2
    labels = (softmax(z).cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return z, labels


@pytest.mark.parametrize("true_t", [0.5, 2.0])
def test_fit_recovers_a_known_temperature(true_t):
    z, labels = sampled(10_000)
    record = fit(z * true_t, labels)
    assert set(record) == {"temperature", "unsure_below"}
    assert abs(math.log(record["temperature"] / true_t)) <= GRID_STEP * 1.01
    assert problem(record) is None


def test_fit_without_rows_gives_the_default():
    assert fit(np.zeros((0, 10)), np.zeros(0, int)) == DEFAULT


@pytest.mark.parametrize("temperature", [0.25, 0.7, 1.0, 3.0, 8.0])
def test_temperature_never_changes_the_answer(temperature):
    z, _ = sampled(2_000, seed=1)
    logits = (z * 5).astype(np.float32)
    probabilities, _ = judge(logits, {"temperature": temperature, "unsure_below": 0.5})
    np.testing.assert_array_equal(probabilities.argmax(axis=1), logits.argmax(axis=1))


@pytest.mark.parametrize("share", [0.003, 0.05, 0.2])
def test_unsure_below_flags_about_the_share_of_held_out_rows(share):
    z, labels = sampled(5_000, seed=2)
    record = fit(z * 3, labels, unsure_share=share)
    _, unsure = judge(z * 3, record)
    assert unsure.mean() == pytest.approx(share, abs=2 / len(labels))
    fresh, _ = sampled(5_000, seed=3)  # new rows from the same network: about the same share
    _, unsure = judge(fresh * 3, record)
    assert unsure.mean() == pytest.approx(share, abs=max(0.01, share / 4))


def test_judge_gives_probabilities_and_unsure_follows_the_threshold():
    z, _ = sampled(500, seed=4)
    record = {"temperature": 1.7, "unsure_below": 0.4}
    probabilities, unsure = judge(z, record)
    assert probabilities.shape == z.shape and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(probabilities, softmax(z / 1.7), rtol=1e-5)
    np.testing.assert_array_equal(unsure, probabilities.max(axis=1) < 0.4)
    assert 0 < unsure.sum() < len(z)  # the threshold splits this batch, so the check means something
    _, unsure = judge(z, None)
    np.testing.assert_array_equal(unsure, softmax(z).max(axis=1) < DEFAULT["unsure_below"])


def test_from_meta_returns_the_record_or_the_default():
    record = {"temperature": 1.4, "unsure_below": 0.31}
    assert from_meta({"training": {"calibration": record}}) == record  # where training puts it
    for meta in ({}, {"calibration": record}, {"training": {"calibration": None}}, {"training": {}},
                 {"training": "x"}, None, "meta"):
        assert from_meta(meta) == DEFAULT
    fallback = from_meta({})
    fallback["temperature"] = 9.0  # a caller changing its copy leaves the default alone
    assert calibration.DEFAULT == {"temperature": 1.0, "unsure_below": 0.5}


@pytest.mark.parametrize("record", [
    None, [], "calibration", [("temperature", 1.0), ("unsure_below", 0.5)],
    {"temperature": 0.0, "unsure_below": 0.5},
    {"temperature": -1.0, "unsure_below": 0.5},
    {"temperature": float("nan"), "unsure_below": 0.5},
    {"temperature": float("inf"), "unsure_below": 0.5},
    {"temperature": 1.0, "unsure_below": float("nan")},
    {"temperature": 1.0, "unsure_below": 1.5},
    {"temperature": 1.0, "unsure_below": -0.1},
    {"temperature": True, "unsure_below": 0.5},
    {"temperature": 1.0, "unsure_below": False},
    {"temperature": "1.0", "unsure_below": 0.5},
    {"temperature": 1.0},
    {"unsure_below": 0.5},
])
def test_problem_names_bad_records(record):
    why = problem(record)
    assert isinstance(why, str) and why


@pytest.mark.parametrize("record", [
    DEFAULT, {"temperature": 1.3, "unsure_below": 0.2}, {"temperature": 2, "unsure_below": 0},
    {"temperature": 0.25, "unsure_below": 1.0}, {"temperature": 8.0, "unsure_below": 1},
])
def test_problem_passes_good_records(record):
    assert problem(record) is None


def synthetic(n, accuracy_of, seed=5, classes=10):
    """Predictions with top probability ``c`` (the rest spread evenly), right with ``accuracy_of(c)``."""
    rng = np.random.default_rng(seed)
    confidence = rng.uniform(0.15, 1.0, n)
    predicted = rng.integers(classes, size=n)
    probabilities = np.repeat(((1 - confidence) / (classes - 1))[:, None], classes, axis=1)
    probabilities[np.arange(n), predicted] = confidence
    right = rng.random(n) < accuracy_of(confidence)
    labels = np.where(right, predicted, (predicted + rng.integers(1, classes, n)) % classes)
    return probabilities, labels


def test_ece_of_calibrated_predictions_is_about_zero():
    probabilities, labels = synthetic(200_000, lambda c: c)
    ece, table = expected_calibration_error(probabilities, labels)
    assert ece < 0.01
    assert sum(row[2] for row in table) == len(labels)
    for low, high, count, mean_confidence, accuracy in table:
        assert 0 <= low < high <= 1 and count > 0
        assert low <= mean_confidence <= high and 0 <= accuracy <= 1


def test_ece_of_overconfident_predictions_is_large():
    probabilities, labels = synthetic(50_000, lambda c: c / 2)
    ece, table = expected_calibration_error(probabilities, labels, bins=10)
    assert ece > 0.25  # about half the mean confidence, 0.29
    assert len(table) <= 10 and sum(row[2] for row in table) == len(labels)


def test_ece_by_hand():
    probabilities = np.array([[0.9, 0.1], [0.9, 0.1], [0.25, 0.75], [0.35, 0.65]])
    labels = np.array([0, 1, 1, 1])
    ece, table = expected_calibration_error(probabilities, labels, bins=5)
    # Bin (0.6, 0.8]: confidence 0.7, accuracy 1; bin (0.8, 1.0]: confidence 0.9, accuracy 0.5.
    assert ece == pytest.approx(0.5 * 0.3 + 0.5 * 0.4)
    assert [(round(low, 6), round(high, 6), count) for low, high, count, _, _ in table] == [
        (0.6, 0.8, 2), (0.8, 1.0, 2)]
    assert table[0][3:] == pytest.approx((0.7, 1.0)) and table[1][3:] == pytest.approx((0.9, 0.5))
