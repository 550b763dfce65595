"""A picture file's digit on the canvas, from File > Open picture… or a file dropped on the window.

It is read exactly as ``app.py predict`` reads it: ``cnn.imagefile.read_image``, then
``cnn.ink_from_image`` and ``cnn.to_mnist``. The reader caps what it decodes (50 megapixels from
the header, at most 2048 pixels a side once shrunk), so reading on the main thread never freezes.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, Signal

import cnn
from cnn import ImageFileError, ImageFileWarning, read_image

# The names Pillow gives the kinds ``read_image`` decodes (``cnn.imagefile.FORMATS``).
PICTURE_SUFFIXES = (".apng", ".bmp", ".gif", ".ico", ".jfif", ".jpe", ".jpeg", ".jpg", ".pbm", ".pfm", ".pgm",
                    ".png", ".pnm", ".ppm", ".tif", ".tiff", ".webp")
_DRAG_EVENTS = (QEvent.DragEnter, QEvent.DragMove, QEvent.Drop)


def read_picture(path) -> tuple[np.ndarray | None, list[str]]:
    """The digit in the picture file ``path``, and why the file looks damaged (if it does).

    Returns:
        ``(image, doubts)``: ``image`` float32 (28, 28) in 0..1, MNIST polarity, or None when the
        picture is blank; ``doubts`` the reasons of the warnings the reader gave (empty: none).
    Raises:
        ImageFileError: the file can't be read (missing, not a picture, too big, cut short).
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ImageFileWarning)  # as app.py predict: every damage is heard
            pixels = read_image(path)
        image = cnn.to_mnist(cnn.ink_from_image(pixels))
    except ImageFileError:
        raise
    except Exception as e:  # the reader validates everything; a file must never crash the window
        raise ImageFileError(path, f"could not be read ({type(e).__name__}: {e})") from e
    return image, [getattr(w.message, "reason", str(w.message)) for w in caught]


def dropped_picture(mime) -> Path | None:
    """The first local picture file among the URLs of a drag's ``QMimeData``, or None."""
    for url in mime.urls() if mime.hasUrls() else ():
        path = Path(url.toLocalFile()) if url.isLocalFile() else None
        if path is not None and path.suffix.lower() in PICTURE_SUFFIXES:
            return path
    return None


class PictureController(QObject):
    """What opening a picture, or dropping one on the window, does: its digit replaces the drawing.

    Args:
        canvas: shows the digit (``show_image``), which has it predicted; Undo takes it back.
        dialogs: asks for the file (``open_picture_path``).
        banner: says why a file could not be used, or that it looks damaged.
        settings: the ``WindowSettings`` remembering the folder last used.

    Signals:
        opened(object): the ``Path`` whose digit is now on the canvas.
    """

    opened = Signal(object)

    def __init__(self, canvas, dialogs, banner, settings, parent=None):
        super().__init__(parent)
        self._canvas, self._dialogs, self._banner, self._settings = canvas, dialogs, banner, settings
        self._said = None  # the banner text this shows last, to take it away once it no longer holds

    def __repr__(self) -> str:
        return f"PictureController(folder={self._settings.folder('pictures')})"

    def open(self) -> bool:
        path = self._dialogs.open_picture_path(self._settings.folder("pictures"))
        if not path:
            return False
        self._settings.set_folder("pictures", Path(path).parent)
        return self.load(path)

    def load(self, path) -> bool:
        """Put the digit in picture ``path`` on the canvas; if there is none, say why and keep the drawing."""
        path = Path(path)
        try:
            image, doubts = read_picture(path)
        except ImageFileError as e:
            self._say(self._banner.show_error, f"Could not open the picture {path}: {e.reason}. "
                                               "The drawing is unchanged.")
            return False
        damage = "; ".join(doubts)  # each reads "the file looks damaged (...)"
        if image is None:
            blank = f"it is blank; {damage}" if damage else "it is blank"
            self._say(self._banner.show_notice, f"No digit found in the picture {path.name}: {blank}. "
                                                "The drawing is unchanged.")
            return False
        self._canvas.show_image(image)
        if damage:
            self._say(self._banner.show_notice, f"Showing the picture {path.name}, but {damage}: "
                                                "the guess may be off.")
        elif self._banner.kind and self._banner.text == self._said:
            self._banner.dismiss()  # what it said about the last picture no longer holds
        self.opened.emit(path)
        return True

    def _say(self, show, text: str) -> None:
        show(text)
        self._said = text

    def accept_drops_on(self, widget) -> None:
        """Take picture files dropped anywhere on ``widget`` (the window) where no child takes them."""
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in _DRAG_EVENTS:
            return False
        path = dropped_picture(event.mimeData())
        if path is None:
            event.ignore()  # not a picture: the drop is refused, and the pointer says so
            return True
        event.acceptProposedAction()
        if event.type() == QEvent.Drop:
            self.load(path)
        return True
