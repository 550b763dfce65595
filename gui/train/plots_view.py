"""Live loss and accuracy plots for a training run.

Batches arrive far faster than a plot should redraw, so they are buffered and a 10 Hz timer hands
the whole series to the curves (created once, then only ``setData``). Main thread only.

The loss is on a log axis: a fresh network starts near 2.3 (often spiking above 10) and ends
near 0.05, and on a linear axis the whole of learning would sit in the bottom few percent. The
ranges are set here from the data, not by pyqtgraph's autorange: before any data the axes show
what is coming (0..planned epochs, 0.01..10, 0..100 %), and a new run starts from those again.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui import theme

REDRAW_INTERVAL_MS = 100
EMA_BETA = 0.95  # smoothing of the per-batch loss: about the last 20 batches
EMPTY_LOSS = (0.01, 10.0)  # the loss axis before any data
LOSS_FLOOR = 1e-4  # a batch loss of exactly 0 still has a place on a log axis
MIN_DECADES = 0.5  # the loss axis never zooms in closer than this (a flat loss stays readable)
X_PADDING = 0.03  # room for the epoch markers at 0 and N
LOSS_HINT = "The loss appears here\nwhen training starts"  # two short lines: fits a small window
ACCURACY_HINT = "Accuracy appears\nafter each epoch"


class LogAxis(pg.AxisItem):
    """A log10 axis labelled with plain numbers (0.01, 0.1, 1, 10), 2 and 5 marked in between."""

    def tickValues(self, minVal, maxVal, size):
        decades = range(math.floor(minVal), math.ceil(maxVal) + 1)
        major = [float(d) for d in decades if minVal <= d <= maxVal]
        minor = [d + math.log10(m) for d in decades for m in (2, 5)]
        minor = [v for v in minor if minVal <= v <= maxVal]
        return [(1.0, major), (None, minor)]

    def tickStrings(self, values, scale, spacing):
        return [f"{10 ** v:g}" for v in values]


def epoch_ticks(epochs: int) -> list:
    """Whole epochs only, at most about ten labels."""
    step = max(1, math.ceil(epochs / 10))
    return [[(float(e), str(e)) for e in range(0, epochs + 1, step)]]


class TrainingPlotsView(QWidget):
    """Training loss per batch (raw and smoothed) and per epoch; test loss and accuracy per epoch."""

    def __init__(self, parent: QWidget | None = None, redraw_interval_ms: int = REDRAW_INTERVAL_MS):
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.graphics = pg.GraphicsLayoutWidget()
        self.loss_plot = self.graphics.addPlot(row=0, col=0, axisItems={"left": LogAxis("left")})
        self.accuracy_plot = self.graphics.addPlot(row=0, col=1)
        self._make_curves()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self._timer = QTimer(self)
        self._timer.setInterval(redraw_interval_ms)
        self._timer.timeout.connect(self.flush)
        self._ranges = None
        self.reset()

    def _make_curves(self) -> None:
        theme.style_plot(self.loss_plot, "", "cross-entropy (log)", "epoch")
        theme.style_plot(self.accuracy_plot, "", "accuracy (%)", "epoch")
        self.loss_plot.setLogMode(y=True)  # before the curves: it also turns autorange back on
        raw, train = pg.mkPen(theme.TRAIN_RAW, width=1), pg.mkPen(theme.TRAIN, width=2)
        marker = dict(symbolSize=7, symbolPen=None)
        self.batch_curve = self.loss_plot.plot(pen=raw, name="train (batch)", antialias=False)
        self.smooth_curve = self.loss_plot.plot(pen=train, name="train (smoothed)")
        self.epoch_loss_curve = self.loss_plot.plot(
            pen=pg.mkPen(theme.TRAIN, width=1, style=Qt.DashLine), symbol="o", symbolBrush=theme.TRAIN,
            name="train (epoch)", **marker)
        self.test_loss_curve = self.loss_plot.plot(pen=pg.mkPen(theme.TEST, width=2), symbol="s",
                                                   symbolBrush=theme.TEST, name="test", **marker)
        self.train_accuracy_curve = self.accuracy_plot.plot(pen=train, symbol="o", symbolBrush=theme.TRAIN,
                                                            name="train", **marker)
        self.test_accuracy_curve = self.accuracy_plot.plot(pen=pg.mkPen(theme.TEST, width=2), symbol="s",
                                                           symbolBrush=theme.TEST, name="test", **marker)
        # The legends are the titles: a line above each plot, so they never cover a curve.
        theme.set_legend_title(self.loss_plot, "Loss", [
            ("━", theme.TRAIN_RAW, "batch"), ("━", theme.TRAIN, "smoothed"),
            ("●", theme.TRAIN, "epoch"), ("■", theme.TEST, "test")])
        theme.set_legend_title(self.accuracy_plot, "Accuracy", [
            ("●", theme.TRAIN, "train"), ("■", theme.TEST, "test")])
        self.loss_hint = theme.plot_hint(self.loss_plot, LOSS_HINT)
        self.accuracy_hint = theme.plot_hint(self.accuracy_plot, ACCURACY_HINT)
        for plot in (self.loss_plot, self.accuracy_plot):
            # With the menu and the "A" button hidden, a stray wheel zoom could never be undone.
            plot.setMouseEnabled(x=False, y=False)
            plot.getViewBox().enableAutoRange(enable=False)
        # Redraw cost is what stalls the event loop during training: no grid (alpha-blended lines
        # over the whole plot cost more than the data), the noisy raw curve without antialiasing,
        # and long series thinned to about one point per pixel.
        self.batch_curve.setDownsampling(auto=True, method="peak")
        self.smooth_curve.setDownsampling(auto=True, method="mean")
        for curve in (self.batch_curve, self.smooth_curve):
            curve.setClipToView(True)

    # ----- input ------------------------------------------------------------------------------
    def reset(self, epochs: int | None = None) -> None:
        """Forget the previous run (called when a new one starts); ``epochs``: how many are planned."""
        self._planned = max(1, int(epochs or 1))
        self._batch_x: list[float] = []
        self._batch_loss: list[float] = []
        self._smooth: list[float] = []
        self._ema, self._ema_weight = 0.0, 0.0
        self._epochs: list = []
        self._epochs_drawn = None  # how many epochs the markers show (they change once an epoch)
        self._dirty = True
        self.flush()

    def add_batch(self, info) -> None:
        """Buffer one ``cnn.BatchInfo``; drawn at the next redraw tick."""
        self._planned = max(self._planned, int(info.epochs))
        self._batch_x.append(info.epoch - 1 + info.batch / info.batches)
        self._batch_loss.append(info.loss)
        self._ema = EMA_BETA * self._ema + (1 - EMA_BETA) * info.loss
        self._ema_weight = EMA_BETA * self._ema_weight + (1 - EMA_BETA)
        self._smooth.append(self._ema / self._ema_weight)  # bias-corrected, like Adam's moments
        self._mark_dirty()

    def add_epoch(self, info) -> None:
        """Add one ``cnn.EpochInfo`` (train and test loss/accuracy)."""
        self._planned = max(self._planned, int(info.epochs))
        self._epochs.append(info)
        self._mark_dirty()

    def _mark_dirty(self) -> None:
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    # ----- output -----------------------------------------------------------------------------
    @property
    def batch_count(self) -> int:
        return len(self._batch_loss)

    @property
    def epoch_count(self) -> int:
        return len(self._epochs)

    def smoothed_loss(self) -> np.ndarray:
        return np.asarray(self._smooth, np.float64)

    def flush(self) -> None:
        """Hand everything buffered to the curves (the timer does this 10 times a second)."""
        if not self._dirty:
            self._timer.stop()  # idle: nothing arrived since the last tick
            return
        self._dirty = False
        x = np.asarray(self._batch_x, np.float64)
        self.batch_curve.setData(x, _positive(self._batch_loss))
        self.smooth_curve.setData(x, _positive(self._smooth))
        if self._epochs_drawn != len(self._epochs):  # re-setting unchanged markers cost 7 ms a tick
            self._draw_epochs()
            self._epochs_drawn = len(self._epochs)
        self._fit_ranges()

    def _draw_epochs(self) -> None:
        epochs = self._epochs
        x = np.array([e.epoch for e in epochs], np.float64)
        self.epoch_loss_curve.setData(x, _positive([e.loss for e in epochs]))
        self.train_accuracy_curve.setData(x, 100 * np.array([e.accuracy for e in epochs], np.float64))
        tested = [e for e in epochs if e.val_loss is not None]
        tx = np.array([e.epoch for e in tested], np.float64)
        self.test_loss_curve.setData(tx, _positive([e.val_loss for e in tested]))
        self.test_accuracy_curve.setData(tx, 100 * np.array([e.val_accuracy for e in tested], np.float64))

    def _fit_ranges(self) -> None:
        """Axes that follow the data, and that say what is coming while there is none."""
        epochs = self._epochs
        last = max(self._batch_x[-1] if self._batch_x else 0, epochs[-1].epoch if epochs else 0)
        n = max(self._planned, math.ceil(last - 1e-9))
        tested = [e for e in epochs if e.val_loss is not None]
        losses = self._batch_loss + [e.loss for e in epochs] + [e.val_loss for e in tested]
        accuracies = [e.accuracy for e in epochs] + [e.val_accuracy for e in tested]
        ranges = (n, loss_range(losses), accuracy_range(100 * np.asarray(accuracies, np.float64)))
        if ranges == self._ranges:
            return  # re-setting an unchanged range would still re-lay out the axes
        if self._ranges is None or self._ranges[0] != n:
            for plot in (self.loss_plot, self.accuracy_plot):
                plot.getAxis("bottom").setTicks(epoch_ticks(n))
        self._ranges = ranges
        n, loss, accuracy = ranges
        x = (-X_PADDING * n, (1 + X_PADDING) * n)
        for plot, y in ((self.loss_plot, loss), (self.accuracy_plot, accuracy)):
            plot.setRange(xRange=x, yRange=y, padding=0)
        self.loss_hint.setVisible(not self.batch_count and not epochs)
        self.loss_hint.setPos(n / 2, sum(loss) / 2)
        self.accuracy_hint.setVisible(not epochs)
        self.accuracy_hint.setPos(n / 2, sum(accuracy) / 2)


def _positive(values) -> np.ndarray:
    """Losses for the log axis: nothing at or below 0 (NaN stays NaN: a gap in the curve)."""
    return np.maximum(np.asarray(values, np.float64), LOSS_FLOOR)


def loss_range(losses) -> tuple[float, float]:
    """The loss axis in log10 units: all finite losses with a margin, or ``EMPTY_LOSS`` if none."""
    values = np.asarray(losses, np.float64)
    values = np.log10(np.maximum(values[np.isfinite(values)], LOSS_FLOOR))
    if not len(values):
        return tuple(float(np.log10(v)) for v in EMPTY_LOSS)
    low, high = float(values.min()), float(values.max())
    grow = max(MIN_DECADES - (high - low), 0) / 2
    margin = 0.05 * (high - low + 2 * grow)
    return round(low - grow - margin, 4), round(high + grow + margin, 4)


def accuracy_range(percent: np.ndarray) -> tuple[float, float]:
    """0..100 % before any epoch; then from a round 5 % below the lowest accuracy up to 100 %."""
    percent = percent[np.isfinite(percent)]
    low = 0.0 if not len(percent) else max(0.0, 5 * math.floor((percent.min() - 1) / 5))
    return low, 100 + 0.04 * (100 - low)
