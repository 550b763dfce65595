"""The feature maps of every conv block for the current drawing: one mosaic of greyscale tiles each."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton, QWidget

from gui import theme
from gui.inspect.tiles import (MosaicWidget, lay_out_mosaic_view, mosaic, mosaic_plot, save_png, scale_per_map,
                       show_mosaic)

COLUMNS = 8
HINT = "Draw a digit to see what each block of the network picks out of it."
CAPTION = ("Each tile is one channel, scaled to its own peak: bright = strong response. "
           "Block 2 reads block 1's maps.")


class FeatureMapsView(QWidget):
    """A passive view: ``show_blocks(list of ConvBlock, or None)`` is its input.

    Signals:
        export_requested(): the user asked to save the maps as a PNG.
    """

    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.graphics = MosaicWidget()  # grows into the room the tab has, not a fixed size
        self.graphics.setMinimumHeight(200)
        self.raw_box = QCheckBox("Before pooling and ReLU")
        self.raw_box.setToolTip("Show each convolution's raw output instead of its block's output")
        self.export_button = QPushButton("Export PNG…")
        self.export_button.setToolTip("Save these feature maps as a PNG image")
        self.hint = QLabel(HINT)
        self.hint.setStyleSheet(f"color: {theme.MUTED};")
        self._plots: list[tuple[pg.PlotItem, pg.ImageItem]] = []
        self._titles: list[str] = []
        self._blocks: list = []
        self._stale = False  # blocks arrived while the tab was hidden: drawn when it is shown
        lay_out_mosaic_view(self, self.hint, [self.raw_box, self.export_button], self.graphics, CAPTION)
        self.raw_box.toggled.connect(lambda checked: self._redraw())
        self.export_button.clicked.connect(lambda checked=False: self.export_requested.emit())

    # ----- input ------------------------------------------------------------------------------
    def show_blocks(self, blocks) -> None:
        """Show these ``ConvBlock``s' maps; None (a blank drawing) empties the tiles."""
        self._blocks = list(blocks or [])
        if self.isVisible():
            self._redraw()
        else:  # every pen move brings new maps; drawing them unseen would slow the live guess
            self._stale = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._refresh()

    def _refresh(self) -> None:
        if self._stale:
            self._redraw()

    def _redraw(self) -> None:
        self._stale = False
        raw = self.raw_box.isChecked()
        while len(self._plots) < len(self._blocks):
            self._plots.append(mosaic_plot(self.graphics.ci, 0, len(self._plots)))
            self._titles.append("")
        for i, (block, (plot, image)) in enumerate(zip(self._blocks, self._plots)):
            maps = block.conv if raw else block.output
            title = f"{block.name}: {len(maps)} maps, {maps.shape[1]}×{maps.shape[2]}"
            if title != self._titles[i]:  # re-laying out the title costs more than the image
                plot.setTitle(title, size="9pt")
                self._titles[i] = title
            show_mosaic(image, mosaic(scale_per_map(maps), COLUMNS), plot)
        for _, image in self._plots[len(self._blocks):]:
            image.clear()
        self.hint.setText(HINT if not self._blocks else "What the network computes from the drawing:")

    # ----- output -----------------------------------------------------------------------------
    @property
    def blocks(self) -> list:
        """The ``ConvBlock``s shown now (empty for a blank drawing)."""
        return list(self._blocks)

    def shown_maps(self) -> list[np.ndarray]:
        """The ``(C, H, W)`` maps behind each mosaic, raw or block output as the checkbox says."""
        raw = self.raw_box.isChecked()
        return [block.conv if raw else block.output for block in self._blocks]

    def mosaics(self) -> list[np.ndarray | None]:
        """The RGB images on screen, one per block (None where nothing is shown)."""
        self._refresh()
        return [image.image for _, image in self._plots]

    def save_png(self, path: Path) -> Path:
        self._refresh()
        return save_png(self.graphics.scene(), path)
