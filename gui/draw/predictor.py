"""From ink to a guess: the same ``cnn.to_mnist`` path as ``app.py predict``, throttled for live use."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

import cnn
from cnn import conv_blocks

LIVE_INTERVAL_MS = 30  # at most ~33 guesses a second while the pen moves (one costs ~2-6 ms)


@dataclass(frozen=True)
class Prediction:
    digit: int
    probabilities: np.ndarray  # (10,) float32, sums to 1
    image: np.ndarray  # (28, 28) float32 in 0..1: exactly what the network was shown (before normalising)
    blocks: tuple = ()  # the conv blocks' feature maps from the same forward pass (``ConvBlock``s)

    @property
    def confidence(self) -> float:
        return float(self.probabilities[self.digit])

    def __repr__(self) -> str:
        return f"Prediction(digit={self.digit}, confidence={self.confidence:.3f})"


def classify(ink: np.ndarray, model, mean: float, std: float) -> Prediction | None:
    """Guess the digit in ``ink`` (H, W) with 1 = ink; None for a blank drawing."""
    image = cnn.to_mnist(ink)
    if image is None:
        return None
    # One forward pass serves both the guess and the feature maps shown beside it.
    activations = model.activations(cnn.normalize(image, mean, std))
    probabilities = cnn.softmax(activations[-1][1])[0]
    return Prediction(int(np.argmax(probabilities)), probabilities, image, tuple(conv_blocks(activations)))


class Predictor(QObject):
    """Re-reads the drawing when it changes, coalescing bursts of pointer moves.

    ``schedule()`` (called on every move) predicts at most once per interval: at once when the
    last guess is older than that, else when it is (moves in between are coalesced).
    ``predict_now()`` (a finished stroke, new weights) predicts at once.

    Signals:
        predicted(object): the new ``Prediction``, or None for a blank drawing.
    """

    predicted = Signal(object)

    def __init__(self, active_model, ink_source: Callable[[], np.ndarray],
                 interval_ms: int = LIVE_INTERVAL_MS, parent=None):
        super().__init__(parent)
        self._active = active_model
        self._ink_source = ink_source
        self._latest: Prediction | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._interval_ms = interval_ms
        self._last_time = -1e9  # the first move after a pause is read at once (leading edge)
        self._timer.timeout.connect(self.predict_now)
        active_model.changed.connect(self.predict_now)

    @property
    def latest(self) -> Prediction | None:
        return self._latest

    def schedule(self) -> None:
        """Predict now if the last guess is older than the interval, else once it is."""
        if self._timer.isActive():
            return
        wait_ms = self._interval_ms - (time.perf_counter() - self._last_time) * 1000
        if wait_ms <= 0:
            self.predict_now()
        else:
            self._timer.start(int(wait_ms) + 1)

    def predict_now(self) -> None:
        self._timer.stop()
        self._last_time = time.perf_counter()
        mean, std = self._active.normalization
        self._latest = classify(self._ink_source(), self._active.model, mean, std)
        self.predicted.emit(self._latest)
