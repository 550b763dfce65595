"""A wrapping grid of test-digit thumbnails with short captions; double-click one to pick it."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem

THUMB = 56  # 28 x 2: whole pixels, nearest-neighbour like the prediction preview
INDEX_ROLE = Qt.UserRole


class Gallery(QListWidget):
    """Thumbnails of MNIST test images, each remembering its index in the test set.

    Signals:
        image_chosen(int): the user double-clicked (or pressed Enter on) the image with this index.
    """

    image_chosen = Signal(int)

    def __init__(self, caption_lines: int = 1, cell_width: int = 84, parent=None):
        super().__init__(parent)
        self.setViewMode(QListView.IconMode)
        self.setMovement(QListView.Static)
        self.setResizeMode(QListView.Adjust)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setWordWrap(True)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(cell_width, THUMB + 10 + 16 * caption_lines))
        self.setSpacing(2)
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
        self.setUpdatesEnabled(True)

    def indices(self) -> list[int]:
        """The test-set index of every thumbnail shown, in order."""
        return [int(self.item(row).data(INDEX_ROLE)) for row in range(self.count())]


def thumbnail(image: np.ndarray) -> QPixmap:
    pixels = np.ascontiguousarray(image, dtype=np.uint8)
    h, w = pixels.shape
    qimage = QImage(pixels.data, w, h, w, QImage.Format_Grayscale8).copy()  # own the bytes
    return QPixmap.fromImage(qimage.scaled(THUMB, THUMB, Qt.IgnoreAspectRatio, Qt.FastTransformation))
