"""MNIST kept in memory once read, per folder, for the runs that come after (training, evaluation)."""
from __future__ import annotations

import threading

import cnn


class _PerFolder:
    """What ``_load`` reads from an MNIST folder, read once per folder and kept.

    Worker threads and the main thread share one cache, hence the lock.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._data: dict[str, tuple] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(folders={len(self._data)})"

    def get(self, data_dir=None) -> tuple:
        """The data from ``cnn.find_mnist_dir(data_dir)``; raises ``cnn.MnistNotFoundError``."""
        with self._lock:
            folder = str(cnn.find_mnist_dir(data_dir))
            if folder not in self._data:
                self._data[folder] = self._load(folder)
            return self._data[folder]

    def _load(self, folder: str) -> tuple:
        raise NotImplementedError


class MnistCache(_PerFolder):
    """Training and test set: ``get`` returns ``((x_train, y_train), (x_test, y_test))``."""

    def _load(self, folder: str) -> tuple:
        return cnn.load_mnist("train", folder), cnn.load_mnist("test", folder)


class MnistTestSet(_PerFolder):
    """The test set alone: ``get`` returns ``(images (N, 28, 28) uint8, labels (N,))``."""

    def _load(self, folder: str) -> tuple:
        return cnn.load_mnist("test", folder)
