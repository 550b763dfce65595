"""A test-set evaluation together with the images it was made on: what the evaluation view shows.

Pure NumPy (no Qt): the numbers are ``cnn.evaluate``'s; this only picks images out by them.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EvaluationReport:
    """Args:
        evaluation: a ``cnn.Evaluation`` (confusion, predictions, probabilities).
        images: the test images ``(N, 28, 28)`` uint8, MNIST polarity.
        labels: their true digits ``(N,)``.
        source: which weights were evaluated, in words (``ActiveModel.source``).
    """

    evaluation: object
    images: np.ndarray
    labels: np.ndarray
    source: str

    def __repr__(self) -> str:
        return f"EvaluationReport(source={self.source!r}, accuracy={self.accuracy:.4f}, n={len(self.labels)})"

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
        """The probability given to the predicted digit, for each index."""
        indices = np.asarray(indices, np.int64)
        return self.evaluation.probabilities[indices, self.predictions[indices]]

    def confidently_wrong(self, count: int) -> np.ndarray:
        """The ``count`` wrongly read images the network was surest about, surest first."""
        wrong = np.flatnonzero(self.predictions != self.labels)
        order = np.argsort(-self.confidence(wrong), kind="stable")
        return wrong[order[:count]]

    def top_probabilities(self, index: int, k: int = 3) -> list[tuple[int, float]]:
        """The ``k`` likeliest digits for one image, as ``(digit, probability)``, likeliest first."""
        probabilities = self.evaluation.probabilities[index]
        digits = np.argsort(-probabilities, kind="stable")[:k]
        return [(int(d), float(probabilities[d])) for d in digits]
