"""The training job that runs on a worker thread: load MNIST, then drive ``cnn.fit``.

The worker owns its own model (a copy of the weights in use) and reports through signals only;
it never touches a widget. Each finished epoch is handed over as a state-dict copy.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Signal

import cnn
from gui.mnist_cache import MnistCache
from gui.workers import Worker

MNIST_TRAIN_SIZE = 60_000
# Threads splitting each batch (``cnn.fit(workers=...)``); one core stays free for the window.
TRAINING_THREADS = max(1, min(2, (os.cpu_count() or 1) - 1))
OPTIMIZERS = ("Adam", "SGD")


@dataclass(frozen=True)
class TrainingConfig:
    epochs: int = 3
    batch_size: int = 64
    learning_rate: float = cnn.DEFAULT_LR["adam"]
    optimizer: str = "Adam"  # one of OPTIMIZERS; SGD uses momentum 0.9
    train_size: int = MNIST_TRAIN_SIZE  # a random subset when smaller
    augment: bool = True
    from_scratch: bool = False  # a freshly initialised network instead of the weights in use
    test_size: int | None = None  # test images evaluated after each epoch; None = all 10,000
    seed: int = 0
    threads: int = TRAINING_THREADS

    def summary(self) -> dict:
        """The settings as a weights file's ``training`` record names them (as ``app.py train`` does)."""
        return {"batch_size": self.batch_size, "optimizer": self.optimizer.lower(),
                "lr": self.learning_rate, "schedule": "cosine", "augment": self.augment,
                "seed": self.seed, "train_images": self.train_size, "from_scratch": self.from_scratch}


class TrainingWorker(Worker):
    """Runs one training run; lives on a worker thread, so connect to it with queued connections.

    Signals (besides ``Worker``'s failed, mnist_not_found and finished):
        status_changed(str): a phase began ("Loading MNIST…", "Training…").
        batch_finished(object): ``cnn.BatchInfo`` after every batch.
        epoch_finished(object, object): ``cnn.EpochInfo`` and a state-dict copy of the weights.
        completed(object): the ``cnn.History`` (``stopped`` says whether Stop ended it).
    """

    status_changed = Signal(str)
    batch_finished = Signal(object)
    epoch_finished = Signal(object, object)
    completed = Signal(object)
    task = "Training"

    def __init__(self, model, normalization: dict, config: TrainingConfig,
                 stop: threading.Event, data: MnistCache, data_dir=None):
        super().__init__()
        self._model, self._normalization, self._config = model, normalization, config
        self._stop, self._data, self._data_dir = stop, data, data_dir

    def _work(self) -> None:
        try:
            self._train()
        except cnn.NonFiniteLossError as e:  # a known way for training to end, not a bug
            self.failed.emit(f"Training diverged: {e}")

    def _train(self) -> None:
        self.status_changed.emit("Loading MNIST…")
        (x_train, y_train), (x_test, y_test) = self._data.get(self._data_dir)
        config, rng = self._config, np.random.default_rng(self._config.seed)
        if config.train_size < len(y_train):
            keep = np.sort(rng.choice(len(y_train), config.train_size, replace=False))
            x_train, y_train = x_train[keep], y_train[keep]
        if config.augment:
            x_train, _ = cnn.add_slashed_zeros(x_train, y_train, rng)
        if config.test_size is not None:
            x_test, y_test = x_test[: config.test_size], y_test[: config.test_size]
        if self._stop.is_set():
            self.completed.emit(cnn.History(stopped=True))
            return
        self.status_changed.emit("Training…")
        history = cnn.fit(
            self._model, cnn.make_optimizer(config.optimizer, self._model.parameters(), config.learning_rate),
            x_train, y_train,
            epochs=config.epochs, batch_size=config.batch_size, rng=rng,
            prepare=cnn.make_prepare(self._normalization, augment=config.augment), val=(x_test, y_test),
            on_batch=self.batch_finished.emit, on_epoch=self._epoch_done,
            should_stop=self._stop.is_set, workers=config.threads,
            lr_schedule=cnn.cosine_schedule(config.learning_rate, config.epochs))
        self.completed.emit(history)

    def _epoch_done(self, info) -> None:
        self.epoch_finished.emit(info, self._model.state_dict())  # state_dict() returns copies
