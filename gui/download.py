"""Fetching MNIST on a worker thread, with progress, for a window that found none."""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

import cnn
from gui.workers import join_thread, start_worker


class DownloadCancelled(Exception):
    pass


class DownloadWorker(QObject):
    progressed = Signal(str, object, object)  # filename, done bytes, total bytes or None
    completed = Signal(str)  # the folder now holding MNIST
    failed = Signal(str)
    finished = Signal()

    def __init__(self, dest: Path, cancel: threading.Event):
        super().__init__()
        self._dest, self._cancel = dest, cancel

    @Slot()
    def run(self) -> None:
        try:
            folder = cnn.download_mnist(self._dest, progress=self._progress)
            self.completed.emit(str(folder))
        except DownloadCancelled:
            self.failed.emit("Download cancelled.")
        except Exception as e:  # DownloadError, disk full, ...: always report back
            self.failed.emit(f"Downloading MNIST failed: {e}")
        finally:
            self.finished.emit()

    def _progress(self, filename: str, done: int, total: int | None) -> None:
        if self._cancel.is_set():
            raise DownloadCancelled()  # download_mnist removes the partial file
        self.progressed.emit(filename, done, total)


class DownloadController(QObject):
    """Main-thread owner of the download thread; re-emits the worker's signals.

    Signals: progressed(str, object, object), completed(str), failed(str), finished().
    """

    progressed = Signal(str, object, object)
    completed = Signal(str)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._thread = self._worker = None
        self._cancel = threading.Event()

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, dest: Path) -> bool:
        if self.is_running():
            return False
        self._cancel = threading.Event()
        worker = DownloadWorker(Path(dest), self._cancel)
        worker.progressed.connect(self._on_progress)
        worker.completed.connect(self._on_completed)
        worker.failed.connect(self._on_failed)
        self._worker = worker
        self._thread = start_worker(worker, self._on_thread_finished, "mnist-download")
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def shutdown(self) -> None:
        self._cancel.set()
        thread = self._thread
        join_thread(thread)
        if thread is not None:
            self._on_thread_finished()

    @Slot(str, object, object)
    def _on_progress(self, filename, done, total) -> None:
        self.progressed.emit(filename, done, total)

    @Slot(str)
    def _on_completed(self, folder: str) -> None:
        self.completed.emit(folder)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.failed.emit(message)

    @Slot()
    def _on_thread_finished(self) -> None:
        sender = self.sender()
        if self._thread is None or (sender is not None and sender is not self._thread):
            return
        thread, self._thread, self._worker = self._thread, None, None
        # ``finished`` is emitted just before the thread really ends; dropping the last reference
        # to a QThread still running would abort, so make sure it is over first.
        thread.wait()
        self.finished.emit()
