"""The window's one owner of MNIST: where it is, the arrays once read, and getting it when missing.

Everything that needs MNIST (training, evaluation, test digits on the canvas) asks this object,
and only this object shows the "MNIST not found" offer and the download's progress.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal

import cnn
from gui.jobs import Job

DOWNLOAD_MB = 11
DOWNLOAD = "download"  # the download's kind for the JobRunner


class DownloadJob(Job):
    """Fetches the four MNIST files into ``dest`` (``cnn.download_mnist``), cancellable at once.

    Signals (besides ``Job``'s): progressed(str, object, object): file name, bytes done, bytes
    in all or None; completed(str): the folder now holding MNIST.
    """

    progressed = Signal(str, object, object)
    completed = Signal(str)
    task = "Downloading MNIST"

    def __init__(self, dest: Path):
        super().__init__()
        self._dest = dest

    def work(self) -> None:
        try:
            folder = cnn.download_mnist(self._dest, progress=self.progressed.emit, cancel=self.stop_event)
        except cnn.DownloadCancelled:
            self.failed.emit("Download cancelled.")
        except (cnn.DownloadError, OSError) as e:
            self.failed.emit(f"Downloading MNIST failed: {e}")
        else:
            self.completed.emit(str(folder))


class MnistSource(QObject):
    """Where MNIST is looked for, its arrays (read once per folder, read-only), and the offer.

    Args:
        jobs: the ``JobRunner`` the download runs on.
        banner: shows the offer, the download's progress and its failures.
        dialogs: asks for a folder (``mnist_folder``).
        data_dir: the folder to use, or None for ``$MNIST_DIR`` then the cache folder.
        data: ``((x_train, y_train), (x_test, y_test))`` to use instead of any folder (tests).

    Signals:
        busy_changed(bool): a download started or ended.
    """

    busy_changed = Signal(bool)

    def __init__(self, jobs, banner, dialogs, data_dir=None, data=None, parent=None):
        super().__init__(parent)
        self._jobs, self._banner, self._dialogs = jobs, banner, dialogs
        self.data_dir = None if data_dir is None else str(data_dir)
        self._lock = threading.Lock()  # worker threads and the main thread share the cache
        self._cache: dict[str, dict[str, tuple]] = {}
        if data is not None:
            self.data_dir = "<in memory>"
            self._cache[self.data_dir] = {"train": _read_only(data[0]), "test": _read_only(data[1])}
        self._then: Callable[[], None] | None = None

    def __repr__(self) -> str:
        return f"MnistSource(data_dir={self.data_dir!r}, downloading={self.downloading})"

    # ----- the data (any thread) --------------------------------------------------------------
    def training_data(self) -> tuple:
        """``((x_train, y_train), (x_test, y_test))``; raises ``cnn.MnistNotFoundError``."""
        return self._split("train"), self._split("test")

    def test_set(self) -> tuple:
        """``(images (N, 28, 28) uint8, labels (N,))``; raises ``cnn.MnistNotFoundError``."""
        return self._split("test")

    def has_test_set(self) -> bool:
        """Whether the test set is in memory already (so reading it costs nothing)."""
        with self._lock:
            return "test" in self._cache.get(self._folder_key() or "", {})

    def _split(self, split: str) -> tuple:
        folder = self._folder_key() or str(cnn.find_mnist_dir(self.data_dir))
        with self._lock:
            cached = self._cache.get(folder, {}).get(split)
        if cached is not None:
            return cached
        # Read outside the lock: the main thread only ever holds it for a lookup, never for a read.
        loaded = _read_only(cnn.load_mnist(split, folder))
        with self._lock:
            return self._cache.setdefault(folder, {}).setdefault(split, loaded)

    def _folder_key(self) -> str | None:
        if self.data_dir in self._cache:
            return self.data_dir
        try:
            folder = str(cnn.find_mnist_dir(self.data_dir))
        except cnn.MnistNotFoundError:
            return None
        return folder if folder in self._cache else None

    # ----- getting it (main thread) -----------------------------------------------------------
    @property
    def downloading(self) -> bool:
        return self._jobs.is_running(DOWNLOAD)

    def offer(self, message: str, then: Callable[[], None] | None = None) -> None:
        """Say MNIST is missing and offer to get it; ``then`` runs once it is there."""
        self._then = then
        if self.downloading:
            return  # the download's banner, with its Cancel, says it already
        # The error's folder lines, without its advice for the command line.
        places = [line.strip() for line in message.splitlines() if line.startswith("  ")]
        where = "\n".join(["Looked in:", *places]) if places else message
        self._banner.show_notice(
            f"This needs the MNIST digits, which were not found. {where}",
            [(f"Download MNIST ({DOWNLOAD_MB} MB)", self.download), ("Choose folder…", self.choose_folder)])

    def download(self) -> bool:
        dest = Path(self.data_dir) if self.data_dir else cnn.default_cache_dir()
        job = DownloadJob(dest)
        job.progressed.connect(self._on_progress)
        job.completed.connect(self._on_completed)
        job.failed.connect(self._on_failed)
        job.finished.connect(self._on_finished)
        if not self._jobs.start(DOWNLOAD, job):
            return False
        self._banner.show_notice(f"Downloading MNIST into {dest}…", [("Cancel", self.cancel_download)])
        self._banner.set_progress(0, None)
        self.busy_changed.emit(True)
        return True

    def cancel_download(self) -> None:
        self._jobs.stop(DOWNLOAD)

    def choose_folder(self) -> bool:
        folder = self._dialogs.mnist_folder(Path(self.data_dir or Path.home()))
        if folder is None:
            return False
        try:
            cnn.find_mnist_dir(folder)
        except cnn.MnistNotFoundError as e:
            self._banner.show_error(f"That folder does not hold MNIST.\n{e}",
                                    [("Choose another folder…", self.choose_folder)])
            return False
        self.data_dir = str(folder)
        self._banner.show_notice(f"Using MNIST from {folder}.")
        self._continue()
        return True

    def _on_progress(self, filename: str, done: int, total) -> None:
        size = f"{done / 1e6:.1f} of {total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
        self._banner.update_progress(f"Downloading {filename}: {size}", done, total)

    def _on_completed(self, folder: str) -> None:
        self.data_dir = folder
        self._banner.show_notice(f"MNIST downloaded to {folder}.")

    def _on_failed(self, message: str) -> None:
        self._banner.show_error(message, [("Retry", self.download), ("Choose folder…", self.choose_folder)])

    def _on_finished(self) -> None:
        self.busy_changed.emit(False)
        if self.data_dir and self._has_files():
            self._continue()

    def _has_files(self) -> bool:
        try:
            cnn.find_mnist_dir(self.data_dir)
        except cnn.MnistNotFoundError:
            return False
        return True

    def _continue(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            then()


def _read_only(split: tuple) -> tuple:
    """The arrays of one split, locked: every run shares them, and none may change them."""
    for array in split:
        array.flags.writeable = False
    return split
