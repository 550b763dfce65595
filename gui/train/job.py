"""The training job: read MNIST, then run ``cnn.run_training`` (the one recipe) on a worker thread.

The job trains its own copy of the weights and reports through signals only; it never touches a
widget. Each tested epoch is handed over as a state-dict copy, the finished run as its result.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal

import cnn
from gui.jobs import Job

TRAINING = "training"  # the job's kind for the JobRunner


def model_copy(state: dict | None, architecture: str = cnn.ARCHITECTURE, seed: int = 0):
    """A new network holding a copy of ``state`` (left at its initialisation when None)."""
    model = cnn.ARCHITECTURES[architecture](np.random.default_rng(seed))
    if state is not None:
        model.load_state_dict(state)
    return model


class TrainingJob(Job):
    """One run of the recipe. ``state`` None trains a fresh network.

    Signals (besides ``Job``'s failed, mnist_not_found and finished):
        status_changed(str): a phase began ("Reading MNIST…", "Training…").
        batch_finished(object): ``cnn.BatchInfo`` after every batch.
        epoch_finished(object, object, object): ``cnn.EpochInfo``, a copy of that epoch's weights
            and their ``training`` record.
        completed(object): the ``cnn.RunResult``.
    """

    status_changed = Signal(str)
    batch_finished = Signal(object)
    epoch_finished = Signal(object, object, object)
    completed = Signal(object)
    task = "Training"

    def __init__(self, config: cnn.TrainingConfig, mnist, state: dict | None, normalization: dict,
                 started_from: str, active_workers=None):
        super().__init__()
        self.config, self._mnist, self._state = config, mnist, state
        self._active_workers = active_workers  # () -> threads for the next batch, or None for all
        self._normalization, self._started_from = normalization, started_from
        self._epochs, self._sizes = [], (0, 0)

    def work(self) -> None:
        self.status_changed.emit("Reading MNIST…")
        data = self._mnist.training_data()
        (_, y_train), (_, y_test) = data
        self._sizes = (min(self.config.train_size or len(y_train), len(y_train)),
                       min(self.config.test_size or len(y_test), len(y_test)))
        model = None if self._state is None else model_copy(self._state, self.config.architecture)
        self.status_changed.emit("Training…")
        result = cnn.run_training(self.config, data, model=model, normalization=self._normalization,
                                  started_from=self._started_from, on_batch=self.batch_finished.emit,
                                  on_epoch=self._on_epoch, should_stop=self.should_stop,
                                  active_workers=self._active_workers)
        self.completed.emit(result)

    def _on_epoch(self, info, state) -> None:
        self._epochs.append(info)
        record = cnn.training_record(self.config, info, *self._sizes, cnn.History(list(self._epochs)),
                                     self._started_from, info.elapsed)
        self.epoch_finished.emit(info, state, record)
