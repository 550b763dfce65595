"""The questions the window asks through native dialogs, behind one small object.

The window receives a ``Dialogs`` in its constructor, so tests pass a stand-in that answers
at once instead of opening a modal dialog.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from gui.draw.picture import PICTURE_SUFFIXES

WEIGHTS_FILTER = "Digit Draw weights (*.npz);;All files (*)"
PICTURE_FILTER = f"Pictures ({' '.join('*' + suffix for suffix in PICTURE_SUFFIXES)});;All files (*)"
PNG_FILTER = "PNG image (*.png)"


class Dialogs:
    """Asks the user for files and folders; each method returns None when cancelled."""

    def __init__(self, parent: QWidget | None = None):
        self.parent = parent

    def open_weights_path(self, start: Path) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open weights", str(start), WEIGHTS_FILTER)
        return Path(path) if path else None

    def open_picture_path(self, start: Path) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open a picture of a digit", str(start), PICTURE_FILTER)
        return Path(path) if path else None

    def save_weights_path(self, suggested: Path) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self.parent, "Save weights", str(suggested), WEIGHTS_FILTER)
        if not path:
            return None
        path = Path(path)
        return path if path.suffix else path.with_suffix(".npz")

    def save_png_path(self, suggested: Path) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self.parent, "Export as PNG", str(suggested), PNG_FILTER)
        if not path:
            return None
        path = Path(path)
        return path if path.suffix.lower() == ".png" else path.with_name(path.name + ".png")

    def mnist_folder(self, start: Path) -> Path | None:
        path = QFileDialog.getExistingDirectory(self.parent, "Folder with the four MNIST files", str(start))
        return Path(path) if path else None

    def ask_save_before_quit(self, what: str) -> str:
        """``"save"``, ``"discard"`` or ``"cancel"``: quitting would lose ``what``."""
        box = QMessageBox(QMessageBox.Warning, "Unsaved weights", f"{what}\n\nSave them before quitting?",
                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, self.parent)
        box.setDefaultButton(QMessageBox.Save)
        answer = box.exec()
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(answer, "cancel")

    def confirm_quit(self, running: str) -> bool:
        """Whether to quit although ``running`` (e.g. "training") would be stopped."""
        answer = QMessageBox.question(self.parent, "Quit Digit Draw?",
                                      f"Quitting now stops {running}. Quit anyway?",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def show_text(self, title: str, html: str) -> None:
        QMessageBox.about(self.parent, title, html)


class UnattendedDialogs(Dialogs):
    """For scripts that drive the window (``tools/``): no file is chosen, quitting never waits."""

    def open_weights_path(self, start: Path) -> Path | None:
        return None

    open_picture_path = save_weights_path = save_png_path = mnist_folder = open_weights_path

    def ask_save_before_quit(self, what: str) -> str:
        return "discard"

    def confirm_quit(self, running: str) -> bool:
        return True

    def show_text(self, title: str, html: str) -> None:
        pass


def unattended_options() -> dict:
    """What a script hands ``create_window``: dialogs that never wait, and settings of its own."""
    import tempfile

    from gui.settings import scratch_settings
    return {"dialogs": UnattendedDialogs(), "settings": scratch_settings(tempfile.mkdtemp(prefix="digit-draw-"))}
