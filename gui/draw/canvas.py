"""The drawing surface: strokes kept as point lists, shown in an in-memory greyscale QImage.

Points are stored in *paper units* (0..1 across the square paper), so a resize or a change of
screen scale re-renders the same drawing at the new size, and undo simply re-renders the strokes
that remain. The image holds dark ink on white paper; ``ink()`` turns it into 1 = ink. The
network reads the points, not the image: ``network_image()``.
"""
from __future__ import annotations

import numpy as np
import cnn
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.draw.strokes import PAPER, Stroke, paint_stroke, paint_tail, paper_image, paper_ink

DEFAULT_PEN_WIDTH = 0.07  # of the paper's side; only for the eye: the network sees MNIST's pen


class DrawingCanvas(QWidget):
    """A square paper to draw a digit on with mouse, pen or touch.

    Signals:
        ink_changed: the drawing changed while a stroke is in progress (fires at input rate).
        stroke_finished: a stroke ended (pointer released).
        cleared: the paper was wiped (Clear; undoing the last stroke says ``undone`` only).
        undone: the last stroke (or the shown image) was taken back.
        image_shown: ``show_image`` put a 28x28 digit on the paper.
    """

    ink_changed, stroke_finished, cleared, undone, image_shown = (Signal() for _ in range(5))

    def __init__(self, parent: QWidget | None = None, pen_width: float = DEFAULT_PEN_WIDTH):
        super().__init__(parent)
        self._strokes: list[Stroke] = []
        self._background: QImage | None = None  # a digit from show_image, under the strokes
        # What undo takes back, newest last: None for a stroke, or the (strokes, background)
        # that a Clear or a shown image replaced, so those can be undone too.
        self._history: list[tuple[list[Stroke], QImage | None] | None] = []
        self._pen_width = pen_width
        self._drawing = False
        self._image = QImage()
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setCursor(Qt.CrossCursor)
        self.setAttribute(Qt.WA_StaticContents)
        self.setAttribute(Qt.WA_OpaquePaintEvent)  # paintEvent fills it all: nothing behind to repaint
        self.setToolTip("Draw a digit. Esc/Delete clears, Ctrl+Z undoes the last stroke.")

    def __repr__(self) -> str:
        return f"DrawingCanvas(strokes={len(self._strokes)}, pen_width={self._pen_width:.3f})"

    # ----- public API -------------------------------------------------------------------------
    @property
    def strokes(self) -> list[Stroke]:
        return list(self._strokes)

    def is_empty(self) -> bool:
        return not self._strokes and self._background is None

    def pen_width(self) -> float:
        return self._pen_width

    def set_pen_width(self, width: float) -> None:
        """Width of the next strokes, as a fraction of the paper's side (0.01..0.2)."""
        self._pen_width = float(min(max(width, 0.01), 0.2))

    def clear(self) -> None:
        """Wipe the paper; Undo brings the drawing back."""
        self._replace([], None)
        self.cleared.emit()

    def undo(self) -> None:
        """Take back the last change: a stroke, a Clear, or a test digit put on the paper."""
        if not self._history:
            return
        replaced = self._history.pop()
        if replaced is None:
            self._strokes.pop()
        else:
            self._strokes, self._background = replaced
        self._drawing = False
        self._render()
        self.undone.emit()  # once, also when nothing is left: one change, one new prediction

    def _replace(self, strokes: list[Stroke], background: QImage | None) -> None:
        if not (self.is_empty() and not strokes and background is None):  # clearing a blank: no change
            self._history.append((list(self._strokes), self._background))
        self._strokes, self._background = strokes, background
        self._drawing = False
        self._render()

    def show_image(self, image: np.ndarray) -> None:
        """Replace the drawing with ``image`` (28, 28), MNIST polarity (bright ink, uint8 or 0..1).

        It is drawn as ink, scaled smoothly to the paper, so ``ink()`` and the prediction read it
        like a drawing; strokes drawn next go on top, and undo or clear take it away.
        """
        self._replace([], paper_image(image))
        self.image_shown.emit()

    def network_image(self) -> np.ndarray | None:
        """The network's 28x28 input, None when blank: the strokes by ``cnn.render_strokes`` (same
        points, same input, whatever the pen or size); a shown digit as it is; both: ``to_mnist``."""
        if self._background is None:
            return cnn.render_strokes([stroke.points for stroke in self._strokes])
        return cnn.to_mnist(self.ink()) if self._strokes else paper_ink(self._background)

    def image(self) -> QImage:
        self._ensure_image()
        return self._image

    def ink(self) -> np.ndarray:
        """The drawing as float32 (H, W) in 0..1, 1 = ink, at device-pixel resolution."""
        return paper_ink(self.image())

    # ----- geometry ---------------------------------------------------------------------------
    def paper_rect(self) -> QRectF:
        """The square, centred paper inside the widget, in logical pixels."""
        side = max(1, min(self.width(), self.height()))
        # Whole-pixel offsets: the image is then drawn 1:1, never resampled half a pixel over.
        return QRectF((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def _to_paper(self, pos: QPointF) -> tuple[float, float]:
        r = self.paper_rect()
        return ((pos.x() - r.x()) / r.width(), (pos.y() - r.y()) / r.height())

    def _ensure_image(self) -> None:
        side = int(self.paper_rect().width())
        dpr = self.devicePixelRatioF()
        pixels = max(1, round(side * dpr))
        if self._image.isNull() or self._image.width() != pixels:
            self._image = QImage(pixels, pixels, QImage.Format_Grayscale8)
            self._image.setDevicePixelRatio(dpr)
            self._paint_strokes(self._strokes)

    # ----- rendering --------------------------------------------------------------------------
    def _render(self) -> None:
        self._image = QImage()
        self._ensure_image()
        self.update()

    def _painter(self) -> QPainter:
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.Antialiasing)
        side = self._image.width() / self._image.devicePixelRatio()
        painter.scale(side, side)  # draw in paper units
        return painter

    def _paint_strokes(self, strokes: list[Stroke]) -> None:
        self._image.fill(PAPER)
        painter = self._painter()
        if self._background is not None:
            painter.setRenderHint(QPainter.SmoothPixmapTransform)  # soft edges, like a pen's
            painter.drawImage(QRectF(0, 0, 1, 1), self._background)
        for stroke in strokes:
            paint_stroke(painter, stroke)
        painter.end()

    def _paint_tail(self, stroke: Stroke, final: bool = False) -> None:
        """Draw only the newest piece of the stroke, matching what a full re-render draws."""
        painter = self._painter()
        paint_tail(painter, stroke, final)
        painter.end()
        self.update()

    # ----- input ------------------------------------------------------------------------------
    def _begin(self, pos: QPointF) -> None:
        self._ensure_image()
        self._drawing = True
        self._strokes.append(Stroke(self._pen_width, [self._to_paper(pos)]))
        self._history.append(None)
        self._paint_tail(self._strokes[-1])
        self.ink_changed.emit()

    def _extend(self, pos: QPointF) -> None:
        if not self._drawing:
            return
        stroke = self._strokes[-1]
        point = self._to_paper(pos)
        if point == stroke.points[-1]:
            return
        stroke.points.append(point)
        self._paint_tail(stroke)
        self.ink_changed.emit()

    def _end(self, pos: QPointF) -> None:
        if not self._drawing:
            return
        self._extend(pos)
        self._drawing = False
        if len(self._strokes[-1].points) > 1:
            self._paint_tail(self._strokes[-1], final=True)
        self.stroke_finished.emit()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self._begin(event.position())
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        self._extend(event.position())
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self._end(event.position())
        event.accept()

    def tabletEvent(self, event) -> None:
        handler = {QEvent.TabletPress: self._begin, QEvent.TabletMove: self._extend,
                   QEvent.TabletRelease: self._end}.get(event.type())
        if handler is not None:
            handler(event.position())
        event.accept()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key_Escape, Qt.Key_Delete, Qt.Key_Backspace):
            self.clear()
        elif event.matches(QKeySequence.Undo):
            self.undo()
        else:
            super().keyPressEvent(event)

    # ----- Qt plumbing ------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        self._ensure_image()
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.DevicePixelRatioChange:
            self._render()
        super().changeEvent(event)

    def paintEvent(self, event) -> None:
        self._ensure_image()
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        rect = self.paper_rect()
        painter.drawImage(rect, self._image)
        painter.setPen(QPen(QColor(200, 200, 200), 1))
        painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        if self.is_empty():
            painter.setPen(QColor(160, 160, 160))
            painter.drawText(rect, Qt.AlignCenter, "Draw a digit here")
        painter.end()
