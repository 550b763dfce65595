"""Fetching MNIST on a worker thread, with progress, for a window that found none."""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

import cnn
from gui.workers import WorkerHost


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


class DownloadController(WorkerHost):
    """Main-thread owner of the download thread; relays the worker's signals.

    Signals: progressed(str, object, object), completed(str), failed(str), finished().
    ``stop()`` cancels: the worker raises from its next progress report.
    """

    progressed = Signal(str, object, object)
    completed = Signal(str)
    failed = Signal(str)
    relayed = ("progressed", "completed", "failed")

    def start(self, dest: Path) -> bool:
        if self.is_running():
            return False
        self._launch(DownloadWorker(Path(dest), self._new_stop_event()), "mnist-download")
        return True
