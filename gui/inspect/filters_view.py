"""The learned 3x3 kernels of the first conv layer, as a strip of upscaled greyscale tiles."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget

from gui import theme
from gui.inspect.tiles import (GAP, MosaicWidget, lay_out_mosaic_view, mosaic, mosaic_plot, save_mosaic_png,
                               scale_signed, show_mosaic)

COLUMNS = 16
UPSCALE = 6  # so the 1-pixel frame between tiles stays thin next to a 3x3 kernel
HEIGHT_LIMITS = (40, 260)  # pixels: readable in a narrow window, not a wall of grey in a wide one
LEGEND = "Light = positive weight, dark = negative, mid-grey = 0; each kernel scaled on its own."


class FilterStrip(MosaicWidget):
    """A mosaic as wide as the view and as tall as its shape asks for, so the tiles grow with the window.

    Height-for-width rather than a fixed height: with the aspect locked, a fixed height capped
    the tiles at one size (about 14 pixels) however wide the window was.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ci.setContentsMargins(0, 0, 0, 0)  # the view box is then the whole widget
        policy = QSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.aspect = _aspect(32, 3, 3)  # the default network's, until the filters arrive

    def set_aspect(self, aspect: float) -> None:
        if aspect != self.aspect:
            self.aspect = aspect
            self.updateGeometry()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        low, high = HEIGHT_LIMITS
        return min(high, max(low, math.ceil(width * self.aspect)))

    def sizeHint(self) -> QSize:
        return QSize(480, self.heightForWidth(480))

    def minimumSizeHint(self) -> QSize:
        return QSize(160, HEIGHT_LIMITS[0])


def _aspect(count: int, kh: int, kw: int) -> float:
    """Height over width of the mosaic of ``count`` kernels."""
    rows = math.ceil(count / COLUMNS)
    return (rows * (kh * UPSCALE + GAP) + GAP) / (COLUMNS * (kw * UPSCALE + GAP) + GAP)


class FiltersView(QWidget):
    """A passive view: ``show_filters(weights)`` with the first conv's ``(C, 1, kH, kW)`` weights.

    Signals:
        export_requested(): the user asked to save the filters as a PNG.
    """

    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.graphics = FilterStrip()
        self.plot, self.image = mosaic_plot(self.graphics.ci, 0, 0)
        self.plot.layout.setContentsMargins(0, 0, 0, 0)
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
        self.graphics.set_aspect(_aspect(count, kh, kw))
        show_mosaic(self.image, mosaic(scale_signed(self._filters), COLUMNS, UPSCALE), self.plot)

    def tile_pixels(self) -> float:
        """How wide one filter (with its frame line) is on screen, in pixels."""
        kw = self._filters.shape[-1] if len(self._filters) else 3
        return (kw * UPSCALE + GAP) / self.plot.getViewBox().viewPixelSize()[0]

    def save_png(self, path: Path) -> Path:
        return save_mosaic_png(self.image.image, path)  # the tiles alone, without the plot's margins
