"""Open, save and reset the weights in use; a failure is shown and never loses the current weights."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject

import cnn

SHIPPED_SOURCE = "shipped weights ({name})"


def load_weights(path: Path):
    """``(model, meta)`` from a weights file; raises ``cnn.WeightsFileError`` for any bad file."""
    try:
        return cnn.load_model(path)
    except cnn.WeightsFileError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as e:  # anything else a hostile file could cause
        raise cnn.WeightsFileError(path, f"{type(e).__name__}: {e}") from e


class WeightsActions(QObject):
    """What the Open, Save and "Use shipped weights" commands do.

    Args:
        active: the ``ActiveModel`` in use.
        dialogs: asks for file paths (``open_weights_path``, ``save_weights_path``).
        banner: shows errors (``show_error``).
        shipped_path: where the weights that come with the app live.
    """

    def __init__(self, active, dialogs, banner, shipped_path: Path, parent=None):
        super().__init__(parent)
        self._active, self._dialogs, self._banner = active, dialogs, banner
        self.shipped_path = Path(shipped_path)

    def shipped_available(self) -> bool:
        return self.shipped_path.is_file()

    def open(self) -> bool:
        start = self._active.path or self.shipped_path
        path = self._dialogs.open_weights_path(Path(start).parent)
        return self.load(path, path.name) if path else False

    def use_shipped(self) -> bool:
        return self.load(self.shipped_path, SHIPPED_SOURCE.format(name=self.shipped_path.name))

    def load(self, path: Path, source: str) -> bool:
        """Use the weights in ``path``; on failure show why and keep the weights in use."""
        try:
            model, meta = load_weights(path)
        except cnn.WeightsFileError as e:
            self._banner.show_error(
                f"Could not open the weights file — {e}\nStill using: {self._active.source}.")
            return False
        self._active.replace(model, meta, source, Path(path))
        return True

    def save(self) -> bool:
        suggested = self._active.path or self.shipped_path.with_name("my-digitnet.npz")
        path = self._dialogs.save_weights_path(Path(suggested))
        if not path:
            return False
        meta = self._active.meta
        try:
            cnn.save_weights(path, self._active.model,
                             {"normalization": self._active.normalization_record,
                              "training": meta.get("training", {})})
        except OSError as e:
            self._banner.show_error(f"Could not save the weights to {path}: {e}")
            return False
        self._active.mark_saved(Path(path))
        return True
