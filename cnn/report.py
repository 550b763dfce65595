"""A test-set evaluation together with the images it was made on: what the evaluation view shows.

Pure NumPy (no Qt): the numbers are ``cnn.evaluate``'s; this only picks images out by them, and
reads the network's answers with the weights' calibration, as the window and ``app.py predict`` do.
"""
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import calibration as calibration_

ECE_BINS = 15  # the usual number of confidence bins for the expected calibration error


@dataclass(frozen=True)
class EvaluationReport:
    """Args:
        evaluation: a ``cnn.Evaluation`` (confusion, predictions, probabilities).
        images: the test images ``(N, 28, 28)`` uint8, MNIST polarity.
        labels: their true digits ``(N,)``.
        source: which weights were evaluated, in words (``ActiveModel.source``).
        calibration: the weights' ``calibration`` record; ``cnn.calibration.DEFAULT`` for None.

    ``probabilities`` are the calibrated ones; ``evaluation.probabilities`` stay the raw softmax.
    Temperature scaling leaves every answer's digit as it is, so predictions and the confusion
    matrix are ``evaluation``'s either way.
    """

    evaluation: object
    images: np.ndarray
    labels: np.ndarray
    source: str
    calibration: dict | None = None

    def __repr__(self) -> str:
        return (f"EvaluationReport(source={self.source!r}, accuracy={self.accuracy:.4f}, n={len(self.labels)}, "
                f"ece={self.ece:.4f}, temperature={self.temperature:g})")

    @property
    def accuracy(self) -> float:
        return float(self.evaluation.accuracy)

    @property
    def confusion(self) -> np.ndarray:
        """``(10, 10)`` counts; rows = true digit, columns = predicted digit."""
        return self.evaluation.confusion

    @property
    def predictions(self) -> np.ndarray:
        return self.evaluation.predictions

    @property
    def wrong_count(self) -> int:
        return int(len(self.labels) - np.trace(self.confusion))

    def per_class_accuracy(self) -> np.ndarray:
        return self.evaluation.per_class_accuracy()

    def cell_indices(self, true: int, predicted: int) -> np.ndarray:
        """Indices of the test images with this true digit that were read as ``predicted``."""
        return np.flatnonzero((self.labels == true) & (self.predictions == predicted))

    def confidence(self, indices) -> np.ndarray:
        """The (calibrated) probability given to the predicted digit, for each index."""
        indices = np.asarray(indices, np.int64)
        return self.probabilities[indices, self.predictions[indices]]

    def confidently_wrong(self, count: int) -> np.ndarray:
        """The ``count`` wrongly read images the network was surest about, surest first."""
        wrong = np.flatnonzero(self.predictions != self.labels)
        order = np.argsort(-self.confidence(wrong), kind="stable")
        return wrong[order[:count]]

    def top_probabilities(self, index: int, k: int = 3) -> list[tuple[int, float]]:
        """The ``k`` likeliest digits for one image, as ``(digit, probability)``, likeliest first."""
        probabilities = self.probabilities[index]
        digits = np.argsort(-probabilities, kind="stable")[:k]
        return [(int(d), float(probabilities[d])) for d in digits]

    # ----- calibration ------------------------------------------------------------------------
    @property
    def temperature(self) -> float:
        return float(self._calibration["temperature"])

    @property
    def unsure_below(self) -> float:
        return float(self._calibration["unsure_below"])

    @property
    def probabilities(self) -> np.ndarray:
        """``(N, 10)`` float32, calibrated with the weights' temperature."""
        return self._judged[0]

    @property
    def unsure(self) -> np.ndarray:
        """``(N,)`` bool: the calibrated top probability is under the weights' ``unsure_below``."""
        return self._judged[1]

    @property
    def unsure_share(self) -> float:
        return float(self.unsure.mean()) if len(self.unsure) else 0.0

    @cached_property
    def ece(self) -> float:
        """The expected calibration error of the calibrated probabilities (``ECE_BINS`` bins)."""
        return calibration_.expected_calibration_error(self.probabilities, self.labels, ECE_BINS)[0]

    @cached_property
    def ece_uncalibrated(self) -> float:
        """The expected calibration error of the raw softmax (temperature 1)."""
        return calibration_.expected_calibration_error(self.evaluation.probabilities, self.labels, ECE_BINS)[0]

    def reliability(self, calibrated: bool = True, bins: int = ECE_BINS) -> list[tuple]:
        """A reliability diagram's bins: ``[(low, high, count, mean confidence, accuracy)]``, non-empty only."""
        probabilities = self.probabilities if calibrated else self.evaluation.probabilities
        return calibration_.expected_calibration_error(probabilities, self.labels, bins)[1]

    @property
    def _calibration(self) -> dict:
        return self.calibration or calibration_.DEFAULT

    @cached_property
    def _judged(self) -> tuple[np.ndarray, np.ndarray]:
        if self.temperature == 1.0:  # the softmax as evaluated, not re-derived to within rounding
            probabilities = np.asarray(self.evaluation.probabilities, np.float32)
            return probabilities, probabilities.max(axis=1) < self.unsure_below
        return calibration_.judge(self._logits(), self._calibration)

    def _logits(self) -> np.ndarray:
        """The evaluation's logits, or else its log-probabilities: they differ from the logits by a
        constant per row, so give the same softmax at any temperature. A probability that underflowed
        to 0 stays 0 (``-inf``); at the largest temperature fitted it would still be under 1e-5."""
        logits = getattr(self.evaluation, "logits", None)
        if logits is not None:
            return np.asarray(logits, np.float64)
        with np.errstate(divide="ignore"):
            return np.log(np.asarray(self.evaluation.probabilities, np.float64))
