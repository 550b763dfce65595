"""Owns the evaluation thread on the main thread and re-emits the worker's signals from there."""
from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

import cnn
from gui.evaluation_worker import EvaluationWorker, MnistTestSet
from gui.workers import join_thread, start_worker


class EvaluationController(QObject):
    """Starts, stops and joins test-set evaluations; at most one at a time.

    Args:
        test_set: the ``MnistTestSet`` cache (shared with whoever else shows test digits).

    Signals (all on the main thread):
        started(): an evaluation began.
        progressed(int, int), completed(object), cancelled(), failed(str), mnist_not_found(str):
            re-emitted from the worker.
        finished(): the thread has ended; ``is_running()`` is False from here on.
    """

    started = Signal()
    progressed = Signal(int, int)
    completed = Signal(object)
    cancelled = Signal()
    failed = Signal(str)
    mnist_not_found = Signal(str)
    finished = Signal()

    def __init__(self, test_set: MnistTestSet | None = None, parent=None):
        super().__init__(parent)
        self.test_set = test_set or MnistTestSet()
        self._thread = None
        self._worker = None
        self._stop = threading.Event()

    def __repr__(self) -> str:
        return f"EvaluationController(running={self.is_running()})"

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, state: dict, normalization: dict, source: str, data_dir=None) -> bool:
        """Evaluate a model holding a copy of ``state``; False if one is running already."""
        if self.is_running():
            return False
        model = cnn.build_default(np.random.default_rng(0))  # every weight is overwritten next
        model.load_state_dict({key: np.array(value, copy=True) for key, value in state.items()})
        self._stop = threading.Event()
        worker = EvaluationWorker(model, normalization, source, self._stop, self.test_set, data_dir)
        worker.progressed.connect(self._on_progressed)
        worker.completed.connect(self._on_completed)
        worker.cancelled.connect(self._on_cancelled)
        worker.failed.connect(self._on_failed)
        worker.mnist_not_found.connect(self._on_mnist_not_found)
        self._worker = worker
        self._thread = start_worker(worker, self._on_thread_finished, "evaluation")
        self.started.emit()
        return True

    def stop(self) -> None:
        """Ask the evaluation to end; it does so before its next batch."""
        self._stop.set()

    def shutdown(self) -> None:
        """Stop and block until the thread has ended (window closing)."""
        self._stop.set()
        thread = self._thread
        join_thread(thread)
        if thread is not None:
            self._on_thread_finished()

    @Slot(int, int)
    def _on_progressed(self, done: int, total: int) -> None:
        self.progressed.emit(done, total)

    @Slot(object)
    def _on_completed(self, report) -> None:
        self.completed.emit(report)

    @Slot()
    def _on_cancelled(self) -> None:
        self.cancelled.emit()

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
            return  # an earlier thread, already joined by shutdown()
        thread, self._thread, self._worker = self._thread, None, None
        thread.wait()  # ``finished`` comes just before the thread really ends
        self.finished.emit()
