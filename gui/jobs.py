"""Background work: a ``Job`` runs on its own ``QThread``, and one ``JobRunner`` runs them all.

The code that starts a job builds it, connects to its signals itself, then hands it to the
runner. Connect only bound methods of objects that live on the main thread (a controller's
methods): Qt then queues each emission into the main thread, in the order the job emitted
them, so ``finished`` (a job's last signal) is always the last one delivered.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

import cnn


class Job(QObject):
    """One piece of background work: ``run`` calls ``work`` and always ends with ``finished``.

    Missing or damaged MNIST and unexpected errors become signals, so a job never dies silently.
    ``should_stop()`` says whether the runner asked the job to end; a long job checks it often.

    Signals:
        failed(str): the job failed; the message is for people.
        mnist_not_found(str): MNIST was not where it was looked for.
        finished(): always last, whatever happened.
    """

    failed = Signal(str)
    mnist_not_found = Signal(str)
    finished = Signal()
    task = "The job"  # names the job in "<task> failed: ..." messages

    def __init__(self):
        super().__init__()
        self.stop_event = threading.Event()
        self.done = False  # set on the job's thread just before ``finished``

    def should_stop(self) -> bool:
        return self.stop_event.is_set()

    @Slot()
    def run(self) -> None:
        try:
            self.work()
        except cnn.MnistNotFoundError as e:
            self.mnist_not_found.emit(str(e))
        except cnn.MnistFormatError as e:
            self.failed.emit(f"The MNIST files are damaged: {e}")
        except Exception as e:  # a job must always report back and finish
            logging.getLogger(type(self).__module__).exception("%s failed", self.task)
            self.failed.emit(f"{self.task} failed: {type(e).__name__}: {e}")
        finally:
            self.done = True
            self.finished.emit()

    def work(self) -> None:
        raise NotImplementedError


@dataclass
class _Running:
    job: Job
    thread: QThread


class JobRunner(QObject):
    """Starts jobs on worker threads, at most one of each kind at a time; stops and joins them.

    Signals:
        running_changed(): a job started, or its thread ended (the window greys out commands).
    """

    running_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._running: dict[str, _Running] = {}

    def __repr__(self) -> str:
        return f"JobRunner(running={sorted(k for k in self._running if self.is_running(k))})"

    def is_running(self, kind: str) -> bool:
        """True from ``start`` until the job has emitted ``finished``."""
        running = self._running.get(kind)
        return running is not None and not running.job.done

    def start(self, kind: str, job: Job) -> bool:
        """Run ``job`` on a new thread; False (and nothing started) if a ``kind`` job is running."""
        if self.is_running(kind):
            return False
        self._reap(kind)  # a job that said finished, whose thread is still winding down
        thread = QThread()
        thread.setObjectName(kind)
        job.moveToThread(thread)
        thread.started.connect(job.run)
        # Direct: quit() is thread-safe, and the main thread may be blocked in wait() right now.
        job.finished.connect(thread.quit, Qt.DirectConnection)
        thread.finished.connect(self._on_thread_finished)
        self._running[kind] = _Running(job, thread)
        thread.start()
        self.running_changed.emit()
        return True

    def stop(self, kind: str) -> None:
        """Ask the ``kind`` job to end; it checks ``should_stop`` before its next batch or chunk."""
        running = self._running.get(kind)
        if running is not None:
            running.job.stop_event.set()

    def shutdown(self) -> None:
        """Stop every job and block until their threads have ended (the window is closing)."""
        for running in self._running.values():
            running.job.stop_event.set()
        for kind in list(self._running):
            self._reap(kind)

    @Slot()
    def _on_thread_finished(self) -> None:
        for kind, running in list(self._running.items()):
            if running.thread is self.sender():
                self._reap(kind)
                self.running_changed.emit()

    def _reap(self, kind: str) -> None:
        # Dropping the last reference to a QThread that is still running aborts the process:
        # wait for it first. The job then goes with its last reference, here on the main thread
        # (not with deleteLater on its own thread, which deadlocked against Qt's connection locks).
        running = self._running.pop(kind, None)
        if running is not None:
            running.thread.quit()
            running.thread.wait()
