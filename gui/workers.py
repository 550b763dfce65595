"""Jobs on worker threads, wired the way the Qt docs (and mu) do it, and their main-thread hosts.

A ``Worker`` is one job moved to its own ``QThread``; it reports through signals only. A
``WorkerHost`` lives on the main thread, starts one worker at a time, relays its signals and says
``finished`` once the thread is over. Views connect to hosts, never to workers: a host outlives
every run, and its signals are emitted on the main thread.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

import cnn


def start_worker(worker: QObject, on_thread_finished: Callable[[], None], name: str) -> QThread:
    """Move ``worker`` to a new thread and start ``worker.run`` there.

    The worker must have a ``run`` slot and a ``finished`` signal it emits last. The thread quits
    when the worker finishes, then calls ``on_thread_finished`` (a main-thread slot) and deletes
    itself. The caller keeps the thread and the worker, must ``wait()`` for the thread, and only
    then drop both: the worker is deleted with its last Python reference, on the main thread.
    """
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # Direct: quit() is thread-safe, and the main thread may be blocked in wait() right now.
    worker.finished.connect(thread.quit, Qt.DirectConnection)
    thread.finished.connect(on_thread_finished)
    thread.finished.connect(thread.deleteLater)
    # Not worker.deleteLater, unlike C++ Qt: deleting a Python-made QObject on its own thread
    # takes the GIL while Qt holds its connection locks. That deadlocked with the main thread
    # (waiting for those locks in sender() while holding the GIL) or deleted the worker twice.
    thread.start()
    return thread


def join_thread(thread: QThread | None) -> None:
    """Ask ``thread``'s event loop to end and block until the thread has finished."""
    if thread is not None:
        thread.quit()
        thread.wait()


def model_copy(state: dict | None, seed: int = 0):
    """A new default model holding ``state`` (left at its random initialisation when None).

    A worker trains or evaluates this copy, so predictions on the main thread never see weights
    in the middle of a step. ``load_state_dict`` copies into the new model's own arrays: the copy
    shares no memory with ``state``.
    """
    model = cnn.build_default(np.random.default_rng(seed))
    if state is not None:
        model.load_state_dict(state)
    return model


class Worker(QObject):
    """One job for a worker thread: ``run`` calls ``_work`` and always ends with ``finished``.

    Missing or damaged MNIST and unexpected errors become signals, so a job never dies silently
    and its host always hears that it is over.

    Signals:
        failed(str): the job failed; the message is for people.
        mnist_not_found(str): MNIST was not where it was looked for.
        finished(): always last, whatever happened.
    """

    failed = Signal(str)
    mnist_not_found = Signal(str)
    finished = Signal()
    task = "The job"  # names the job in "<task> failed: ..." messages

    @Slot()
    def run(self) -> None:
        try:
            self._work()
        except cnn.MnistNotFoundError as e:
            self.mnist_not_found.emit(str(e))
        except cnn.MnistFormatError as e:
            self.failed.emit(f"The MNIST files are damaged: {e}")
        except Exception as e:  # a worker must always report back and finish
            # Logged under the subclass's module, where the job's code is.
            logging.getLogger(type(self).__module__).exception("%s failed", self.task)
            self.failed.emit(f"{self.task} failed: {type(e).__name__}: {e}")
        finally:
            self.finished.emit()

    def _work(self) -> None:
        raise NotImplementedError


class WorkerHost(QObject):
    """Starts, stops and joins one worker thread at a time, from the main thread.

    A subclass builds its worker in its own ``start`` (with ``_new_stop_event()``) and hands it
    to ``_launch``. The worker signals named in ``relayed`` are connected straight to the host's
    signals of the same names: the host lives on the main thread, so Qt queues each emission and
    the host re-emits it there.

    Signals:
        finished(): the run's thread has ended; ``is_running()`` is False from here on.
    """

    finished = Signal()
    relayed: tuple[str, ...] = ()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: QObject | None = None
        self._stop = threading.Event()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(running={self.is_running()})"

    def is_running(self) -> bool:
        return self._thread is not None

    def stop(self) -> None:
        """Ask the run to end; the worker checks before its next batch (or chunk)."""
        self._stop.set()

    def shutdown(self) -> None:
        """Stop the run and block until its thread has ended (window closing, app quitting)."""
        self._stop.set()
        thread = self._thread
        join_thread(thread)
        if thread is not None:
            self._on_thread_finished()

    def _new_stop_event(self) -> threading.Event:
        """A fresh event for the next run: the last run's may be set, and its worker keeps it."""
        self._stop = threading.Event()
        return self._stop

    def _launch(self, worker: QObject, name: str) -> None:
        for signal in self.relayed:
            getattr(worker, signal).connect(getattr(self, signal))
        self._worker = worker
        self._thread = start_worker(worker, self._on_thread_finished, name)

    @Slot()
    def _on_thread_finished(self) -> None:
        sender = self.sender()
        if self._thread is None or (sender is not None and sender is not self._thread):
            return  # an earlier run's thread, already joined by shutdown()
        # The thread emits ``finished`` just before it really ends. Dropping the last reference
        # to a QThread still running would abort, so make sure it is over first; the worker then
        # goes with its last reference, here on the main thread (see ``start_worker``).
        self._thread.wait()
        self._thread = self._worker = None
        self.finished.emit()
