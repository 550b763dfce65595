"""Owns the training thread on the main thread and re-emits the worker's signals from there.

Views and tests connect to the controller, never to the worker: its signals are emitted on the
main thread, and the controller outlives every run.
"""
from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

import cnn
from gui.training_worker import MnistCache, TrainingConfig, TrainingWorker
from gui.workers import join_thread, start_worker


class TrainingController(QObject):
    """Starts, stops and joins training runs; at most one at a time.

    Signals (all on the main thread):
        started(object): a run began with this ``TrainingConfig``.
        status_changed(str), batch_finished(object), epoch_finished(object, object),
        completed(object), failed(str), mnist_not_found(str): re-emitted from the worker.
        finished(): the run's thread has ended; ``is_running()`` is False from here on.
    """

    started = Signal(object)
    status_changed = Signal(str)
    batch_finished = Signal(object)
    epoch_finished = Signal(object, object)
    completed = Signal(object)
    failed = Signal(str)
    mnist_not_found = Signal(str)
    finished = Signal()

    def __init__(self, data: MnistCache | None = None, parent=None):
        super().__init__(parent)
        self._data = data or MnistCache()
        self._thread = None
        self._worker = None
        self._stop = threading.Event()

    def __repr__(self) -> str:
        return f"TrainingController(running={self.is_running()})"

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, state: dict, normalization: dict, config: TrainingConfig,
              data_dir=None) -> bool:
        """Train a copy of the model holding ``state``; False if a run is going already.

        The copy is a new model loaded with ``state`` (left at its random initialisation when
        ``config.from_scratch``), so predictions never see weights in the middle of a step.
        ``normalization`` is the weights' ``{"mean": .., "std": ..}``: training keeps using it.
        """
        if self.is_running():
            return False
        model = cnn.build_default(np.random.default_rng(config.seed))
        if not config.from_scratch:
            model.load_state_dict({key: np.array(value, copy=True) for key, value in state.items()})
        self._stop = threading.Event()
        worker = TrainingWorker(model, normalization, config, self._stop, self._data, data_dir)
        worker.status_changed.connect(self._on_status)
        worker.batch_finished.connect(self._on_batch)
        worker.epoch_finished.connect(self._on_epoch)
        worker.completed.connect(self._on_completed)
        worker.failed.connect(self._on_failed)
        worker.mnist_not_found.connect(self._on_mnist_not_found)
        self._worker = worker
        self._thread = start_worker(worker, self._on_thread_finished, "training")
        self.started.emit(config)
        return True

    def stop(self) -> None:
        """Ask the run to end; it does so before its next batch."""
        self._stop.set()

    def shutdown(self) -> None:
        """Stop the run and block until its thread has ended (window closing, app quitting)."""
        self._stop.set()
        thread = self._thread
        join_thread(thread)
        if thread is not None:
            self._on_thread_finished()

    @Slot(str)
    def _on_status(self, text: str) -> None:
        self.status_changed.emit(text)

    @Slot(object)
    def _on_batch(self, info) -> None:
        self.batch_finished.emit(info)

    @Slot(object, object)
    def _on_epoch(self, info, state) -> None:
        self.epoch_finished.emit(info, state)

    @Slot(object)
    def _on_completed(self, history) -> None:
        self.completed.emit(history)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.failed.emit(message)

    @Slot(str)
    def _on_mnist_not_found(self, message: str) -> None:
        self.mnist_not_found.emit(message)

    @Slot()
    def _on_thread_finished(self) -> None:
        sender = self.sender()
        if self._thread is None or (sender is not None and sender is not self._thread):
            return  # an earlier run's thread, already joined by shutdown()
        thread, self._thread, self._worker = self._thread, None, None
        # ``finished`` is emitted just before the thread really ends; dropping the last reference
        # to a QThread still running would abort, so make sure it is over first.
        thread.wait()
        self.finished.emit()
