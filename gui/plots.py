"""Live loss and accuracy plots for a training run.

Batches arrive far faster than a plot should redraw, so they are buffered and a 10 Hz timer hands
the whole series to the curves (created once, then only ``setData``). Main thread only.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui import theme

REDRAW_INTERVAL_MS = 100
EMA_BETA = 0.95  # smoothing of the per-batch loss: about the last 20 batches


class TrainingPlots(QWidget):
    """Training loss per batch (raw and smoothed) and per epoch; test loss and accuracy per epoch."""

    def __init__(self, parent: QWidget | None = None, redraw_interval_ms: int = REDRAW_INTERVAL_MS):
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.graphics = pg.GraphicsLayoutWidget()
        self.loss_plot = self.graphics.addPlot(row=0, col=0)
        self.accuracy_plot = self.graphics.addPlot(row=0, col=1)
        self._make_curves()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self._timer = QTimer(self)
        self._timer.setInterval(redraw_interval_ms)
        self._timer.timeout.connect(self.flush)
        self.reset()

    def _make_curves(self) -> None:
        theme.style_plot(self.loss_plot, "Loss", "cross-entropy", "epoch")
        theme.style_plot(self.accuracy_plot, "Accuracy", "accuracy (%)", "epoch")
        self.loss_plot.addLegend(offset=(-10, 10), labelTextSize="8pt")
        self.accuracy_plot.addLegend(offset=(-10, -10), labelTextSize="8pt")
        self.batch_curve = self.loss_plot.plot(pen=pg.mkPen(theme.TRAIN_RAW, width=1), name="train (batch)",
                                               antialias=False)
        self.smooth_curve = self.loss_plot.plot(pen=pg.mkPen(theme.TRAIN, width=2), name="train (smoothed)")
        self.epoch_loss_curve = self.loss_plot.plot(
            pen=pg.mkPen(theme.TRAIN, width=1, style=Qt.DashLine), symbol="o", symbolSize=7,
            symbolBrush=theme.TRAIN, symbolPen=None, name="train (epoch)")
        self.test_loss_curve = self.loss_plot.plot(
            pen=pg.mkPen(theme.TEST, width=2), symbol="s", symbolSize=7, symbolBrush=theme.TEST,
            symbolPen=None, name="test")
        self.train_accuracy_curve = self.accuracy_plot.plot(
            pen=pg.mkPen(theme.TRAIN, width=2), symbol="o", symbolSize=7, symbolBrush=theme.TRAIN,
            symbolPen=None, name="train")
        self.test_accuracy_curve = self.accuracy_plot.plot(
            pen=pg.mkPen(theme.TEST, width=2), symbol="s", symbolSize=7, symbolBrush=theme.TEST,
            symbolPen=None, name="test")
        # Redraw cost is what stalls the event loop during training: no grid (alpha-blended lines
        # over the whole plot cost more than the data), the noisy raw curve without antialiasing,
        # and long series thinned to about one point per pixel.
        self.batch_curve.setDownsampling(auto=True, method="peak")
        self.smooth_curve.setDownsampling(auto=True, method="mean")
        for curve in (self.batch_curve, self.smooth_curve):
            curve.setClipToView(True)

    # ----- input ------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the previous run (called when a new one starts)."""
        self._batch_x: list[float] = []
        self._batch_loss: list[float] = []
        self._smooth: list[float] = []
        self._ema, self._ema_weight = 0.0, 0.0
        self._epochs: list = []
        self._dirty = True
        self.flush()

    def add_batch(self, info) -> None:
        """Buffer one ``cnn.BatchInfo``; drawn at the next redraw tick."""
        self._batch_x.append(info.epoch - 1 + info.batch / info.batches)
        self._batch_loss.append(info.loss)
        self._ema = EMA_BETA * self._ema + (1 - EMA_BETA) * info.loss
        self._ema_weight = EMA_BETA * self._ema_weight + (1 - EMA_BETA)
        self._smooth.append(self._ema / self._ema_weight)  # bias-corrected, like Adam's moments
        self._mark_dirty()

    def add_epoch(self, info) -> None:
        """Add one ``cnn.EpochInfo`` (train and test loss/accuracy)."""
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
        self.batch_curve.setData(x, np.asarray(self._batch_loss, np.float64))
        self.smooth_curve.setData(x, self.smoothed_loss())
        self._draw_epochs()

    def _draw_epochs(self) -> None:
        epochs = self._epochs
        x = np.array([e.epoch for e in epochs], np.float64)
        self.epoch_loss_curve.setData(x, np.array([e.loss for e in epochs], np.float64))
        self.train_accuracy_curve.setData(x, 100 * np.array([e.accuracy for e in epochs], np.float64))
        tested = [e for e in epochs if e.val_loss is not None]
        tx = np.array([e.epoch for e in tested], np.float64)
        self.test_loss_curve.setData(tx, np.array([e.val_loss for e in tested], np.float64))
        self.test_accuracy_curve.setData(tx, 100 * np.array([e.val_accuracy for e in tested], np.float64))
