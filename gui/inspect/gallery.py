"""A wrapping grid of test-digit thumbnails with short captions; double-click one to pick it."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem

from gui import theme

THUMB = 56  # 28 x 2: whole pixels, nearest-neighbour like the prediction preview
INDEX_ROLE = Qt.UserRole
CELL_GAP = 8  # pixels between neighbouring cells


class Gallery(QListWidget):
    """Thumbnails of MNIST test images, each remembering its index in the test set.

    Signals:
        image_chosen(int): the user double-clicked (or pressed Enter on) the image with this index.
    """

    image_chosen = Signal(int)

    def __init__(self, caption_lines: int = 1, cell_width: int = 84, placeholder: str = "",
                 min_rows: int = 0, parent=None):
        """``caption_lines`` and ``cell_width`` size the empty grid; captions shown later widen it.
        ``placeholder``: what the empty gallery says will appear in it; ``min_rows``: how many
        whole rows it shows at least (a row cut at the bottom edge hides its last caption line)."""
        super().__init__(parent)
        self.placeholder, self._min_rows = placeholder, min_rows
        self._caption_lines, self._min_width = caption_lines, cell_width
        self.setViewMode(QListView.IconMode)
        self.setMovement(QListView.Static)
        self.setResizeMode(QListView.Adjust)
        self.setWrapping(True)
        # Each caption line stays one line ("2: >99.9%" never breaks and pushes the third guess
        # out), and each item is as wide as its own caption, not as the first item's.
        self.setWordWrap(False)
        self.setUniformItemSizes(False)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setSpacing(2)
        self._fit_grid()
        self.setSelectionMode(QListWidget.SingleSelection)
        self.itemActivated.connect(lambda item: self.image_chosen.emit(int(item.data(INDEX_ROLE))))

    def __repr__(self) -> str:
        return f"Gallery(images={self.count()})"

    def show_images(self, images: np.ndarray, indices, captions, tooltips=None) -> None:
        """Replace the thumbnails: ``images[i]`` for each i in ``indices``, with its caption.

        Args:
            images: the whole test set ``(N, 28, 28)`` uint8, MNIST polarity.
            indices: which of them to show, in order.
            captions, tooltips: one string per shown image.
        """
        self.setUpdatesEnabled(False)  # one repaint for the lot, not one per item
        self.clear()
        tooltips = tooltips or [""] * len(captions)
        for index, caption, tooltip in zip(indices, captions, tooltips):
            item = QListWidgetItem(QIcon(thumbnail(images[index])), caption)
            item.setData(INDEX_ROLE, int(index))
            item.setToolTip(f"{tooltip}\nDouble-click: put it on the canvas".strip())
            item.setTextAlignment(Qt.AlignHCenter | Qt.AlignTop)
            self.addItem(item)
        self._fit_grid()
        self.setUpdatesEnabled(True)

    def _fit_grid(self) -> None:
        """Cells big enough for every caption shown, measured in the gallery's font."""
        lines = self.fontMetrics().lineSpacing() * self._caption_lines
        width, height = self._min_width, THUMB + 6 + lines  # 6: the delegate's margins
        for row in range(self.count()):
            hint = self.sizeHintForIndex(self.model().index(row, 0))
            width, height = max(width, hint.width() + CELL_GAP), max(height, hint.height())
        self.setGridSize(QSize(width, height + CELL_GAP))
        if self._min_rows:
            self.setMinimumHeight(self._min_rows * (height + CELL_GAP) + 2 * self.frameWidth())

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self.count() and self.placeholder:
            painter = QPainter(self.viewport())
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(self.viewport().rect().adjusted(12, 12, -12, -12),
                             Qt.AlignCenter | Qt.TextWordWrap, self.placeholder)
            painter.end()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.FontChange, QEvent.StyleChange):
            self._fit_grid()

    def indices(self) -> list[int]:
        """The test-set index of every thumbnail shown, in order."""
        return [int(self.item(row).data(INDEX_ROLE)) for row in range(self.count())]


def thumbnail(image: np.ndarray) -> QPixmap:
    pixels = np.ascontiguousarray(image, dtype=np.uint8)
    h, w = pixels.shape
    qimage = QImage(pixels.data, w, h, w, QImage.Format_Grayscale8).copy()  # own the bytes
    return QPixmap.fromImage(qimage.scaled(THUMB, THUMB, Qt.IgnoreAspectRatio, Qt.FastTransformation))
