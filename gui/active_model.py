"""The weights in use for predictions, and where they came from.

Only the main thread touches this object. Training works on its own copy of the model and hands
finished epochs back as state-dict copies, which ``load_state`` copies in between two predictions.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

import cnn


UNTRAINED = "untrained"


def _test_accuracy(meta: dict) -> float | None:
    value = (meta.get("training") or {}).get("test_accuracy")
    # The weights reader checks this; a record made some other way must still not break the window.
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def untrained_meta() -> dict:
    return {"format_version": 1, "architecture": cnn.ARCHITECTURE,
            "normalization": dict(cnn.normalization.DEFAULT), "training": {}}


@dataclass(frozen=True)
class Snapshot:
    """The weights in use at one moment, to go back to (``ActiveModel.restore``)."""
    state: dict
    meta: dict
    source: str
    path: Path | None
    unsaved: bool

    @property
    def calibration(self) -> dict:
        """The weights' ``calibration`` record (temperature, unsure threshold); the default without."""
        return cnn.calibration.from_meta(self._meta)

    @property
    def test_accuracy(self) -> float | None:
        return _test_accuracy(self.meta)


class ActiveModel(QObject):
    """Holds the prediction model, its metadata record and a short description of its origin.

    Signals:
        changed: the weights (or their description) changed; predictions should be redone.
    """

    changed = Signal()

    def __init__(self, model, meta: dict, source: str, path: Path | None = None, parent=None):
        super().__init__(parent)
        self._model, self._meta, self._source, self._path = model, meta, source, path
        self._unsaved = False

    def __repr__(self) -> str:
        return f"ActiveModel(source={self._source!r}, test_accuracy={self.test_accuracy})"

    @classmethod
    def untrained(cls, seed: int = 0, parent=None) -> "ActiveModel":
        model = cnn.build_default(np.random.default_rng(seed)).eval()
        return cls(model, untrained_meta(), UNTRAINED, None, parent)

    @property
    def model(self):
        return self._model

    @property
    def meta(self) -> dict:
        return self._meta

    @property
    def source(self) -> str:
        return self._source

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def unsaved(self) -> bool:
        return self._unsaved

    @property
    def normalization(self) -> tuple[float, float]:
        norm = self.normalization_record
        return float(norm["mean"]), float(norm["std"])

    @property
    def normalization_record(self) -> dict:
        """The weights' normalisation as recorded in their metadata (``mean``, ``std``, ...)."""
        return dict(self._meta.get("normalization") or cnn.normalization.DEFAULT)

    @property
    def calibration(self) -> dict:
        """The weights' ``calibration`` record (temperature, unsure threshold); the default without."""
        return cnn.calibration.from_meta(self._meta)

    @property
    def test_accuracy(self) -> float | None:
        return _test_accuracy(self._meta)

    @property
    def is_untrained(self) -> bool:
        return self._source == UNTRAINED

    def copy_state(self) -> dict[str, np.ndarray]:
        return self._model.state_dict()  # already copies of the arrays

    def snapshot(self) -> Snapshot:
        return Snapshot(self.copy_state(), dict(self._meta), self._source, self._path, self._unsaved)

    def restore(self, snapshot: Snapshot) -> None:
        """Go back to the weights of ``snapshot`` (a run's epochs were shown live meanwhile)."""
        self._model.load_state_dict(snapshot.state, strict=True)
        self._meta, self._source, self._path = dict(snapshot.meta), snapshot.source, snapshot.path
        self._unsaved = snapshot.unsaved
        self.changed.emit()

    def replace(self, model, meta: dict, source: str, path: Path | None = None) -> None:
        """Use another model (opened from a file, the shipped weights, ...)."""
        self._model, self._meta, self._source, self._path = model.eval(), meta, source, path
        self._unsaved = False
        self.changed.emit()

    def load_state(self, state: dict, training: dict, source: str) -> None:
        """Take newer weights from a training run (a state-dict copy made by the training job)."""
        self._model.load_state_dict(state, strict=True)
        self._meta = {**self._meta, "training": dict(training)}
        self._source, self._path, self._unsaved = source, None, True
        self.changed.emit()

    def mark_saved(self, path: Path) -> None:
        self._path, self._unsaved = path, False
        self._source = path.name
        self.changed.emit()

    def describe(self) -> str:
        """One line for the status bar: which weights, and how good they are."""
        if self.is_untrained:
            return "Weights: untrained (random) — train them or open a weights file (Ctrl+O)"
        accuracy = self.test_accuracy
        score = f"test accuracy {accuracy:.2%}" if accuracy is not None else "test accuracy unknown"
        unsaved = " · unsaved (Ctrl+S)" if self._unsaved else ""
        return f"Weights: {self._source} · {score}{unsaved}"
