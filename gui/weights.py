"""Open, save and reset the weights in use; a failure is shown and never loses the current weights."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject

import cnn
from gui.active_model import ActiveModel

SHIPPED_SOURCE = "shipped weights ({name})"
DEFAULT_SAVE_NAME = "my-digitnet.npz"


def load_weights(path: Path):
    """``(model, meta)`` from a weights file; raises ``cnn.WeightsFileError`` for any bad file."""
    try:
        return cnn.load_model(path)
    except cnn.WeightsFileError:
        raise
    except Exception as e:  # the reader validates everything; a file must never crash the window
        raise cnn.WeightsFileError(path, f"could not be read ({type(e).__name__}: {e})") from e


def initial_model(weights_path=None, shipped_path: Path | None = None) -> tuple[ActiveModel, str | None]:
    """The weights to start with and, if the requested file could not be used, why.

    An explicit ``weights_path`` comes first, then the shipped weights (also when the requested
    file is damaged: the window opens on them and says why); with neither, a fresh untrained
    network (the status bar says so).
    """
    shipped = Path(shipped_path) if shipped_path else None
    error = None
    if weights_path:
        try:
            model, meta = load_weights(Path(weights_path))
            return ActiveModel(model, meta, Path(weights_path).name, Path(weights_path)), None
        except cnn.WeightsFileError as e:
            error = f"Could not open the weights file {weights_path}: {e.problem}"
    if shipped is not None and shipped.is_file():
        try:
            model, meta = load_weights(shipped)
            return ActiveModel(model, meta, SHIPPED_SOURCE.format(name=shipped.name), shipped), \
                error and f"{error}\nUsing the shipped weights instead."
        except cnn.WeightsFileError as e:
            error = (error + "\n" if error else "") + f"The shipped weights are damaged: {e.problem}"
    return ActiveModel.untrained(), error and f"{error}\nUsing untrained weights."


class WeightsController(QObject):
    """What the Open, Save and "Use shipped weights" commands do.

    Args:
        active: the ``ActiveModel`` in use.
        dialogs: asks for file paths (``open_weights_path``, ``save_weights_path``).
        banner: shows errors (``show_error``).
        shipped_path: where the weights that come with the app live (never overwritten).
        settings: the ``WindowSettings`` remembering the folder last used.
    """

    def __init__(self, active, dialogs, banner, shipped_path: Path, settings, parent=None):
        super().__init__(parent)
        self._active, self._dialogs, self._banner, self._settings = active, dialogs, banner, settings
        self.shipped_path = Path(shipped_path)

    def shipped_available(self) -> bool:
        return self.shipped_path.is_file()

    def open(self) -> bool:
        path = self._dialogs.open_weights_path(self._settings.folder("weights"))
        if not path:
            return False
        self._settings.set_folder("weights", Path(path).parent)
        return self.load(path, path.name)

    def is_shipped(self, path) -> bool:
        try:
            return Path(path).resolve() == self.shipped_path.resolve()
        except OSError:
            return False

    def use_shipped(self) -> bool:
        return self.load(self.shipped_path, SHIPPED_SOURCE.format(name=self.shipped_path.name))

    def load(self, path: Path, source: str) -> bool:
        """Use the weights in ``path``; on failure show why and keep the weights in use."""
        try:
            model, meta = load_weights(path)
        except cnn.WeightsFileError as e:
            self._banner.show_error(
                f"Could not open the weights file {path}: {e.problem}\nStill using: {self._active.source}.")
            return False
        self._active.replace(model, meta, source, Path(path))
        if self._banner.kind == "error":
            self._banner.dismiss()  # what it reported is resolved
        return True

    def save(self) -> bool:
        """Ask where, then save the weights in use; the shipped file is refused."""
        own = self._active.path if self._active.path and not self.is_shipped(self._active.path) else None
        suggested = own or self._settings.folder("weights") / DEFAULT_SAVE_NAME
        path = self._dialogs.save_weights_path(Path(suggested))
        if not path:
            return False
        if self.is_shipped(path):
            self._banner.show_error(f"{path} is the app's shipped weights, which are kept as they came. "
                                    "Save under another name (Ctrl+S).")
            return False
        meta = self._active.meta
        try:
            cnn.save_weights(path, self._active.model,
                             {"normalization": self._active.normalization_record,
                              "training": meta.get("training", {})})
        except (OSError, ValueError, cnn.WeightsFileError) as e:
            self._banner.show_error(f"Could not save the weights to {path}: {e}")
            return False
        self._active.mark_saved(Path(path))
        self._settings.set_folder("weights", Path(path).parent)
        return True
