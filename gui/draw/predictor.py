"""From a drawing to a guess, coalesced for live use.

The canvas hands over the 28x28 network input (``DrawingCanvas.network_image``: its strokes drawn
by ``cnn.render_strokes``); this runs the network on it and keeps the latest guess.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

import cnn
from cnn import conv_blocks


@dataclass(frozen=True)
class Prediction:
    digit: int
    probabilities: np.ndarray  # (10,) float32, sums to 1
    image: np.ndarray  # (28, 28) float32 in 0..1: exactly what the network was shown (before normalising)
    blocks: tuple = ()  # the conv blocks' feature maps from the same forward pass (``ConvBlock``s)
    unsure: bool = False  # the calibrated top probability is under the weights' threshold

    @property
    def confidence(self) -> float:
        return float(self.probabilities[self.digit])

    def __repr__(self) -> str:
        return f"Prediction(digit={self.digit}, confidence={self.confidence:.3f}, unsure={self.unsure})"


def classify(image: np.ndarray | None, model, mean: float, std: float,
             calibration: dict | None = None) -> Prediction | None:
    """Guess the digit in the 28x28 ``image`` (MNIST polarity); None for a blank drawing (None).

    The probabilities are calibrated with the weights' ``calibration`` record, which also says
    when the answer is unsure (``cnn.calibration.judge``, as ``app.py predict`` does).
    """
    if image is None:
        return None
    # One forward pass serves both the guess and the feature maps shown beside it.
    activations = model.activations(cnn.normalize(image, mean, std))
    probabilities, unsure = cnn.calibration.judge(activations[-1][1], calibration)
    return Prediction(int(np.argmax(probabilities[0])), probabilities[0], image,
                      tuple(conv_blocks(activations)), bool(unsure[0]))


class Predictor(QObject):
    """Re-reads the drawing when it changes, coalescing bursts of pointer moves.

    ``schedule()`` (called on every move) predicts as soon as the event loop has delivered the
    moves already waiting: a slow stroke gets a guess per move, within a few milliseconds of it;
    moves that pile up while a guess is being made (a fast mouse, a busy machine) share the next
    one. ``predict_now()`` (a finished stroke, new weights) predicts at once.

    Signals:
        predicted(object): the new ``Prediction``, or None for a blank drawing.
    """

    predicted = Signal(object)

    def __init__(self, active_model, image_source: Callable[[], np.ndarray | None], parent=None):
        super().__init__(parent)
        self._active = active_model
        self._image_source = image_source
        self._latest: Prediction | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)  # fires once the events already queued are handled
        self._timer.timeout.connect(self.predict_now)
        active_model.changed.connect(self.predict_now)

    @property
    def latest(self) -> Prediction | None:
        return self._latest

    def schedule(self) -> None:
        """Predict once the moves already waiting have been delivered."""
        if not self._timer.isActive():
            self._timer.start()

    def predict_now(self) -> None:
        self._timer.stop()
        mean, std = self._active.normalization
        self._latest = classify(self._image_source(), self._active.model, mean, std, self._active.calibration)
        self.predicted.emit(self._latest)
