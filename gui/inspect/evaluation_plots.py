"""The confusion matrix (click a cell to see its images), the accuracy of each digit, and how
often the network is right when it is this sure (a reliability diagram)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsRectItem

from gui import theme
from gui.inspect.tiles import save_png

CELL = 24  # image pixels per matrix cell, so the 1-pixel grid lines stay thin
GRID_RGB = (226, 229, 234)
TEXT_ON_DARK = "#ffffff"
TEXT_ON_LIGHT = "#1f2937"
# Hints in short lines: beside each other, the three plots are narrow in a 960-pixel window.
MATRIX_HINT = "Press “Evaluate on the\ntest set”: here each\ntrue digit meets what\nit was read as"
CLASS_HINT = "The accuracy of\neach digit appears\nafter an evaluation"
RELIABILITY_HINT = "How often it is\nright when it is\nthis sure: after\nan evaluation"


def confusion_rgb(confusion: np.ndarray) -> np.ndarray:
    """Colours for the cells: blue for right answers, orange for mistakes, deeper for more.

    Mistakes are scaled against the largest mistake (square root, so a single error still shows)
    rather than against the ~1,000 right answers on the diagonal, which would wash them out.

    Shape: ``(K, K)`` counts -> uint8 RGB ``(K * CELL + 1, K * CELL + 1, 3)`` with grid lines.
    """
    counts = np.asarray(confusion, np.float64)
    k = len(counts)
    diagonal = np.eye(k, dtype=bool)
    mistakes = np.where(diagonal, 0, counts)
    strength = np.where(mistakes > 0, 0.15 + 0.85 * np.sqrt(mistakes / max(mistakes.max(), 1)), 0)
    totals = np.maximum(counts.sum(axis=1, keepdims=True), 1)
    strength = np.where(diagonal, 0.25 + 0.75 * counts / totals, strength)
    colour = np.where(diagonal[..., None], _rgb(theme.ACCENT), _rgb(theme.TEST))
    rgb = 255 * (1 - strength[..., None]) + colour * strength[..., None]
    cells = np.empty((k * CELL + 1, k * CELL + 1, 3), np.uint8)
    cells[:-1, :-1] = rgb.repeat(CELL, axis=0).repeat(CELL, axis=1).round().astype(np.uint8)
    cells[::CELL, :] = GRID_RGB
    cells[:, ::CELL] = GRID_RGB
    return cells


def _rgb(colour: str) -> np.ndarray:
    c = pg.mkColor(colour)
    return np.array([c.red(), c.green(), c.blue()], np.float64)


class EvaluationPlots(pg.GraphicsLayoutWidget):
    """A passive view: ``show_results(confusion, per_class_accuracy)``, ``show_reliability(tables)``;
    clicks come back as a signal.

    Signals:
        cell_clicked(int, int): the user clicked the cell of this true and predicted digit.
    """

    cell_clicked = Signal(int, int)

    def __init__(self, classes: int = 10, parent=None):
        theme.configure_pyqtgraph()
        super().__init__(parent)
        self.classes = classes
        self._small_font = QFont(self.font())
        self._small_font.setPointSize(8)
        self._tiny_font = QFont(self.font())
        self._tiny_font.setPointSize(7)  # "99.8" over each of ten bars, without touching
        self.confusion_plot = self.addPlot(row=0, col=0)
        self.class_plot = self.addPlot(row=0, col=1)
        self.reliability_plot = self.addPlot(row=0, col=2)
        # Widths set here, not left to the titles': the per-digit bars need ~22 pixels each, and
        # in a 960-pixel window the three share ~550 pixels.
        for column, (plot, width, stretch) in enumerate(((self.confusion_plot, 280, 3), (self.class_plot, 250, 3),
                                                         (self.reliability_plot, 230, 2))):
            plot.setPreferredWidth(width)
            self.ci.layout.setColumnStretchFactor(column, stretch)
        self._build_confusion()
        self._build_class_plot()
        self._build_reliability()
        self.scene().sigMouseClicked.connect(self._on_click)

    def sizeHint(self) -> QSize:
        # Modest, so the page fits the window (in a scroll area a page's preferred height is its
        # minimum); the layout's stretch gives the plots the room there is.
        return QSize(640, 300)

    def _build_confusion(self) -> None:
        plot, k = self.confusion_plot, self.classes
        theme.style_plot(plot, "Confusion matrix", "true digit", "predicted digit")  # the view says "click"
        ticks = [[(i + 0.5, str(i)) for i in range(k)]]
        plot.getAxis("left").setTicks(ticks)
        plot.getAxis("bottom").setTicks(ticks)
        plot.setMouseEnabled(x=False, y=False)
        plot.invertY(True)
        plot.setRange(xRange=(0, k), yRange=(0, k), padding=0)
        self.matrix_image = pg.ImageItem(axisOrder="row-major")
        self.matrix_image.setImage(confusion_rgb(np.zeros((k, k))), levels=(0, 255), autoLevels=False)
        self.matrix_image.setRect(QRectF(0, 0, k, k))
        plot.addItem(self.matrix_image)
        self.count_labels = {}  # made with the first results: a hundred text items slow down startup
        self.selection = QGraphicsRectItem(QRectF(0, 0, 1, 1))
        self.selection.setPen(pg.mkPen(TEXT_ON_LIGHT, width=2.5))
        self.selection.hide()
        plot.addItem(self.selection)
        self.matrix_hint = theme.plot_hint(plot, MATRIX_HINT)
        self.matrix_hint.setPos(k / 2, k / 2)

    def _build_class_plot(self) -> None:
        plot, k = self.class_plot, self.classes
        theme.style_plot(plot, "Accuracy per digit", "accuracy (%)", "true digit")
        plot.setMouseEnabled(x=False, y=False)
        plot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(k)]])
        # Fixed ranges from the start. With autorange on and every bar at 0, the only bounds were
        # the empty labels', whose height in data units shrinks as the view zooms in: the view
        # zoomed in on them forever (down to ~1e-306), re-laying out the axis at every step.
        plot.setRange(xRange=(-0.6, k - 0.4), yRange=(0, 100), padding=0)
        plot.getAxis("left").setTicks([[(t, f"{t:g}") for t in range(0, 101, 20)]])
        self.class_bars = pg.BarGraphItem(x=np.arange(k), height=np.zeros(k), width=0.7, pen=None,
                                          brushes=[theme.ACCENT_SOFT] * k)
        plot.addItem(self.class_bars)
        self.class_labels = []
        for i in range(k):
            label = pg.TextItem("", color=TEXT_ON_LIGHT, anchor=(0.5, 1.0))
            label.setFont(self._tiny_font)
            plot.addItem(label, ignoreBounds=True)
            self.class_labels.append(label)
        self.class_hint = theme.plot_hint(plot, CLASS_HINT)
        self.class_hint.setPos((k - 1) / 2, 50)

    def _build_reliability(self) -> None:
        plot = self.reliability_plot
        theme.style_plot(plot, "Reliability", "accuracy (%)", "confidence (%)")
        plot.setMouseEnabled(x=False, y=False)
        plot.setRange(xRange=(-2, 104), yRange=(-2, 104), padding=0)  # fixed: see the class plot
        plot.getAxis("left").setTicks([[(t, f"{t:g}") for t in range(0, 101, 20)]])
        plot.getAxis("bottom").setTicks([[(t, f"{t:g}") for t in range(0, 101, 50)]])  # room at 960 pixels
        plot.getAxis("bottom").setStyle(hideOverlappingLabels=False)  # "100" at the very end
        # Where a point on it would mean "right exactly as often as it says".
        plot.plot([0, 100], [0, 100], pen=pg.mkPen(theme.MUTED, width=1, style=Qt.DashLine))
        self.before_curve = plot.plot([], [], pen=pg.mkPen(theme.TEST, width=1), symbol="o", symbolSize=6,
                                      symbolPen=pg.mkPen(theme.TEST, width=1.5), symbolBrush="w")
        self.reliability_curve = plot.plot([], [], pen=pg.mkPen(theme.ACCENT, width=1.5), symbol="o",
                                           symbolSize=7, symbolPen=None, symbolBrush=theme.ACCENT)
        self.reliability_hint = theme.plot_hint(plot, RELIABILITY_HINT)
        self.reliability_hint.setPos(50, 50)
        # In the corner a network is hardly ever in (right more often than it says), not in the
        # title, which has no room for it beside the other two plots.
        self.reliability_legend = pg.TextItem(anchor=(0, 0))
        self.reliability_legend.setPos(0, 100)
        plot.addItem(self.reliability_legend, ignoreBounds=True)

    # ----- input ------------------------------------------------------------------------------
    def show_reliability(self, calibrated, before=None) -> None:
        """Plot accuracy against mean confidence per bin, from ``cnn.EvaluationReport.reliability``
        tables (rows ``(low, high, count, mean confidence, accuracy)``); ``before`` the calibration,
        or None when there was none to compare with."""
        for curve, table in ((self.reliability_curve, calibrated), (self.before_curve, before or [])):
            rows = np.asarray(table, np.float64).reshape(-1, 5)
            curve.setData(100 * rows[:, 3], 100 * rows[:, 4])
        self.before_curve.setVisible(bool(before))
        entries = [("●", theme.ACCENT, "calibrated" if before else "as shown")]
        entries += [("○", theme.TEST, "before")] if before else []
        self.reliability_legend.setHtml("<br>".join(f"<span style='color:{colour}'>{glyph}</span>"
                                                    f"<span style='color:{TEXT_ON_LIGHT}; font-size:8pt'> {name}</span>"
                                                    for glyph, colour, name in entries))
        self.reliability_hint.hide()

    def show_results(self, confusion: np.ndarray, per_class: np.ndarray) -> None:
        """Show a ``(K, K)`` confusion matrix and the ``(K,)`` accuracy of each true digit."""
        confusion = np.asarray(confusion)
        self.matrix_image.setImage(confusion_rgb(confusion), levels=(0, 255), autoLevels=False)
        self.matrix_image.setRect(QRectF(0, 0, self.classes, self.classes))
        self._make_count_labels()
        for (r, c), label in self.count_labels.items():
            count = int(confusion[r, c])
            label.setText(str(count) if count else "")
            label.setColor(TEXT_ON_DARK if r == c else TEXT_ON_LIGHT)
        self._show_per_class(100 * np.nan_to_num(np.asarray(per_class, np.float64)))
        self.selection.hide()
        self.matrix_hint.hide()
        self.class_hint.hide()

    def _make_count_labels(self) -> None:
        for r in range(self.classes):
            for c in range(self.classes):
                if (r, c) not in self.count_labels:
                    label = pg.TextItem("", anchor=(0.5, 0.5))
                    label.setFont(self._small_font)
                    label.setPos(c + 0.5, r + 0.5)
                    self.confusion_plot.addItem(label, ignoreBounds=True)
                    self.count_labels[r, c] = label
        self.selection.setZValue(1)  # above the labels

    def _show_per_class(self, percent: np.ndarray) -> None:
        worst = int(np.argmin(percent))
        brushes = [theme.TEST if i == worst else theme.ACCENT_SOFT for i in range(self.classes)]
        self.class_bars.setOpts(height=percent, brushes=brushes)
        # Zoomed to where the differences are: all digits are usually above 98%.
        low = max(0.0, math.floor(percent.min() - 0.5 * (100 - percent.min()) - 0.5))
        self.class_plot.setYRange(low, 100 + 0.18 * (100 - low), padding=0)  # room for the labels
        step = next(s for s in (0.5, 1, 2, 5, 10, 20) if (100 - low) / s <= 6)
        ticks = np.arange(math.ceil(low / step) * step, 100 + step / 2, step)  # none above 100%
        self.class_plot.getAxis("left").setTicks([[(t, f"{t:g}") for t in ticks]])
        for i, (label, value) in enumerate(zip(self.class_labels, percent)):
            label.setText(f"{value:.1f}")
            label.setPos(i, value)

    def select_cell(self, true: int, predicted: int) -> None:
        """Outline this cell (the gallery below shows its images)."""
        self.selection.setRect(QRectF(predicted, true, 1, 1))
        self.selection.show()

    # ----- clicks -----------------------------------------------------------------------------
    def cell_position(self, true: int, predicted: int) -> QPoint:
        """Where the middle of a cell is, in the viewport's pixels (for clicking it)."""
        scene = self.confusion_plot.vb.mapViewToScene(QPointF(predicted + 0.5, true + 0.5))
        return self.mapFromScene(scene)

    def _on_click(self, event) -> None:
        if event.button() != Qt.LeftButton or event.double():
            return
        vb = self.confusion_plot.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        predicted, true = math.floor(point.x()), math.floor(point.y())
        if 0 <= true < self.classes and 0 <= predicted < self.classes:
            event.accept()
            self.cell_clicked.emit(true, predicted)

    def save_confusion_png(self, path: Path) -> Path:
        return save_png(self.confusion_plot, path)
