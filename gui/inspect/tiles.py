"""Many small greyscale pictures as one image: feature maps and filters, a mosaic per layer.

One ``ImageItem`` per layer instead of one per map: a live update is then a single ``setImage``
of a few kilobytes, whatever the number of maps. The mapping of values to grey happens here and
is for display only; the values themselves come from ``cnn``.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers ImageExporter under pg.exporters)
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui import theme

GAP = 1  # mosaic pixels between tiles
GAP_RGB = (222, 226, 232)  # a light frame, so black (silent) maps stay visible as tiles
EXPORT_SCALE = 2  # exported PNGs at twice the on-screen size, crisp on high-density displays


def scale_per_map(maps: np.ndarray) -> np.ndarray:
    """Each map stretched to 0..1 on its own, zero kept at black.

    A map's scale says nothing next to another map's (each has its own weights), so each is
    shown against its own peak; a silent map stays black rather than showing amplified noise.

    Shape: ``(C, H, W)`` -> float32 ``(C, H, W)``.
    """
    maps = np.asarray(maps, np.float32)
    low = np.minimum(maps.min(axis=(1, 2), keepdims=True), 0)  # ReLU outputs: 0 stays black
    span = maps.max(axis=(1, 2), keepdims=True) - low
    return (maps - low) / np.where(span > 0, span, 1)


def scale_signed(kernels: np.ndarray) -> np.ndarray:
    """Kernels with mid-grey at zero: positive weights lighter, negative darker (each on its own).

    Shape: ``(C, H, W)`` -> float32 ``(C, H, W)`` in 0..1.
    """
    kernels = np.asarray(kernels, np.float32)
    peak = np.abs(kernels).max(axis=(1, 2), keepdims=True)
    return 0.5 + 0.5 * kernels / np.where(peak > 0, peak, 1)


def mosaic(tiles: np.ndarray, columns: int, upscale: int = 1) -> np.ndarray:
    """Lay ``tiles`` (N, H, W) in 0..1 out in rows of ``columns``, framed by ``GAP``-wide lines.

    Shape: returns uint8 RGB ``(rows * (H*upscale + GAP) + GAP, columns * (W*upscale + GAP) + GAP, 3)``.
    """
    tiles = np.asarray(tiles, np.float32)
    if upscale > 1:
        tiles = tiles.repeat(upscale, axis=1).repeat(upscale, axis=2)
    n, h, w = tiles.shape
    rows = math.ceil(n / columns)
    grey = np.zeros((rows * columns, h, w), np.uint8)
    grey[:n] = np.clip(tiles * 255 + 0.5, 0, 255).astype(np.uint8)
    cells = np.empty((rows, h + GAP, columns, w + GAP, 3), np.uint8)
    cells[...] = GAP_RGB
    cells[:, GAP:, :, GAP:, :] = grey.reshape(rows, columns, h, w).transpose(0, 2, 1, 3)[..., None]
    image = np.empty((rows * (h + GAP) + GAP, columns * (w + GAP) + GAP, 3), np.uint8)
    image[...] = GAP_RGB
    image[:-GAP, :-GAP] = cells.reshape(rows * (h + GAP), columns * (w + GAP), 3)
    for empty in range(n, rows * columns):  # slots after the last tile
        r, c = divmod(empty, columns)
        image[r * (h + GAP) + GAP:(r + 1) * (h + GAP), c * (w + GAP) + GAP:(c + 1) * (w + GAP)] = GAP_RGB
    return image


class MosaicWidget(pg.GraphicsLayoutWidget):
    """A graphics widget that asks for little and takes the room its layout gives it.

    A ``QGraphicsView`` asks for its scene's size (up to 2/3 of the screen). The tabs are scroll
    areas whose pages have height-for-width (word-wrapped notes), and there a page's preferred
    height is its minimum: the page scrolled instead of fitting the window.
    """

    def __init__(self, hint: QSize = QSize(480, 240), parent=None):
        super().__init__(parent)
        self._hint = hint

    def sizeHint(self) -> QSize:
        return self._hint


def mosaic_plot(layout: pg.GraphicsLayout, row: int, col: int, title: str = "") -> tuple:
    """A titled, axis-less plot holding one mosaic image, pixels square, row 0 at the top."""
    plot = layout.addPlot(row=row, col=col)
    plot.setTitle(title or None, size="9pt")  # None: no empty 30-pixel title row
    for axis in ("left", "bottom"):
        plot.hideAxis(axis)
    plot.setMouseEnabled(x=False, y=False)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.invertY(True)
    plot.setAspectLocked(True)
    plot.getViewBox().setDefaultPadding(0.01)
    image = pg.ImageItem(axisOrder="row-major")
    plot.addItem(image)
    return plot, image


def lay_out_mosaic_view(view: QWidget, heading: QLabel, controls: list[QWidget],
                        graphics: pg.GraphicsLayoutWidget, caption: str) -> None:
    """The mosaic views' layout: ``heading`` then ``controls`` in a row, the mosaics, a muted caption."""
    top = QHBoxLayout()
    top.addWidget(heading, 1)
    for control in controls:
        top.addWidget(control)
    note = QLabel(caption)
    note.setWordWrap(True)
    note.setStyleSheet(f"color: {theme.MUTED};")
    layout = QVBoxLayout(view)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addLayout(top)
    layout.addWidget(graphics, 1)
    layout.addWidget(note)


def show_mosaic(image_item: pg.ImageItem, rgb: np.ndarray, plot: pg.PlotItem | None = None) -> None:
    """Put a uint8 RGB mosaic on screen; the view refits only when the mosaic's size changed."""
    old = image_item.image
    image_item.setImage(rgb, levels=(0, 255), autoLevels=False)
    if plot is not None and (old is None or old.shape != rgb.shape):
        plot.getViewBox().autoRange(padding=0.01)


def save_png(target, path: Path) -> Path:
    """Render ``target`` (a graphics scene, or one item such as a plot) into a PNG at ``path``.

    Raises OSError when the file could not be written.
    """
    exporter = pg.exporters.ImageExporter(target)
    size = exporter.parameters()
    size["width"] = int(size["width"] * EXPORT_SCALE)  # the height follows, keeping the aspect
    size["background"] = pg.mkColor("w")
    if not exporter.export(str(path)):
        raise OSError(f"could not write {path}")
    return Path(path)


def save_mosaic_png(rgb: np.ndarray, path: Path, scale: int = 3) -> Path:
    """Save a uint8 RGB mosaic as a PNG, each pixel a ``scale`` x ``scale`` block (no smoothing).

    Independent of how the mosaic sits on screen right now; raises OSError if not written.
    """
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888)
    image = image.scaled(w * scale, h * scale, Qt.IgnoreAspectRatio, Qt.FastTransformation)
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return Path(path)
