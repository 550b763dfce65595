"""The learned 3x3 kernels of the first conv layer, as a strip of upscaled greyscale tiles."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from gui import theme
from gui.inspect.tiles import (lay_out_mosaic_view, mosaic, mosaic_plot, save_mosaic_png, scale_signed,
                       show_mosaic)

COLUMNS = 16
UPSCALE = 6  # so the 1-pixel frame between tiles stays thin next to a 3x3 kernel
LEGEND = "Light = positive weight, dark = negative, mid-grey = 0; each kernel scaled on its own."


class FiltersView(QWidget):
    """A passive view: ``show_filters(weights)`` with the first conv's ``(C, 1, kH, kW)`` weights.

    Signals:
        export_requested(): the user asked to save the filters as a PNG.
    """

    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setFixedHeight(110)  # a strip: 2 rows of 16
        self.plot, self.image = mosaic_plot(self.graphics.ci, 0, 0)
        self.title = QLabel("First conv layer's filters")
        self.export_button = QPushButton("Export PNG…")
        self.export_button.setToolTip("Save these filters as a PNG image")
        lay_out_mosaic_view(self, self.title, [self.export_button], self.graphics, LEGEND)
        self._filters = np.zeros((0, 3, 3), np.float32)
        self.export_button.clicked.connect(lambda checked=False: self.export_requested.emit())

    @property
    def filters(self) -> np.ndarray:
        """The kernels shown now, ``(C, kH, kW)`` as the model holds them (not display-scaled)."""
        return self._filters.copy()

    def show_filters(self, weights: np.ndarray) -> None:
        """Show ``weights`` (C, 1, kH, kW): one tile per output channel of a one-channel conv."""
        weights = np.asarray(weights, np.float32)
        self._filters = weights.reshape(weights.shape[0], *weights.shape[-2:]).copy()
        count, kh, kw = self._filters.shape
        self.title.setText(f"First conv layer: {count} learned {kh}×{kw} filters")
        show_mosaic(self.image, mosaic(scale_signed(self._filters), COLUMNS, UPSCALE), self.plot)

    def save_png(self, path: Path) -> Path:
        return save_mosaic_png(self.image.image, path)  # the tiles alone, without the plot's margins
