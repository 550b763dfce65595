"""Strokes in paper units and how they are painted: smooth curves with round ends.

A painter here is already scaled so that 1 unit is the paper's side. A stroke is painted whole
(``paint_stroke``, on every re-render) or piece by piece as it grows (``paint_tail``, at input
rate); both draw the same pieces, so a live stroke looks the same once the paper is re-rendered.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

PAPER = 255  # grey levels of the canvas image: dark ink on white paper
INK = 0


@dataclass
class Stroke:
    width: float  # paper units
    points: list[tuple[float, float]] = field(default_factory=list)


def paper_image(image: np.ndarray) -> QImage:
    """A 28x28 digit ``image`` (bright ink, uint8 or 0..1) as dark ink on paper, in its own QImage."""
    pixels = np.asarray(image)
    ink = pixels / np.float32(255) if pixels.dtype == np.uint8 else np.clip(pixels, 0, 1)
    paper = np.ascontiguousarray(np.rint(PAPER - ink * (PAPER - INK)), dtype=np.uint8)
    h, w = paper.shape
    return QImage(paper.data, w, h, w, QImage.Format_Grayscale8).copy()  # own the bytes


def paper_ink(image: QImage) -> np.ndarray:
    """The digit ``paper_image`` made, back as float32 ``(H, W)`` in 0..1 with bright ink."""
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    pixels = rows.reshape(image.height(), image.bytesPerLine())[:, :image.width()]
    return (np.float32(PAPER) - pixels) * np.float32(1.0 / (PAPER - INK))


def paint_stroke(painter: QPainter, stroke: Stroke) -> None:
    """The whole stroke: a dot where it starts, then the smooth line through its points."""
    _draw_dot(painter, stroke)
    if len(stroke.points) > 1:
        painter.setPen(_pen(stroke.width))
        painter.drawPath(_stroke_path(stroke.points))


def paint_tail(painter: QPainter, stroke: Stroke, final: bool = False) -> None:
    """Only the piece the newest point (or, with ``final``, the end of the stroke) adds."""
    if len(stroke.points) == 1:
        _draw_dot(painter, stroke)
    else:
        painter.setPen(_pen(stroke.width))
        painter.drawPath(_tail_path(stroke.points, final))


def _pen(width: float) -> QPen:
    return QPen(QColor(INK, INK, INK), width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)


def _draw_dot(painter: QPainter, stroke: Stroke) -> None:
    # A filled circle rather than drawPoint: drawPoint ignores part of the painter's scaling.
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor(INK, INK, INK))
    radius = stroke.width / 2
    painter.drawEllipse(QPointF(*stroke.points[0]), radius, radius)
    painter.setBrush(Qt.NoBrush)


def _midpoint(a: tuple[float, float], b: tuple[float, float]) -> QPointF:
    return QPointF((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def _stroke_path(points: list[tuple[float, float]]) -> QPainterPath:
    """Quadratic curves through the midpoints of successive points: a smooth line near each point.

    The pieces are p0 -> m01, then m(i-1,i) -> m(i,i+1) bent towards p_i, then m(n-1,n) -> pn.
    ``_tail_path`` draws the same pieces one at a time while the stroke grows.
    """
    path = QPainterPath(QPointF(*points[0]))
    path.lineTo(_midpoint(points[0], points[1]))
    for prev, cur in zip(points[1:-1], points[2:]):
        path.quadTo(QPointF(*prev), _midpoint(prev, cur))
    path.lineTo(QPointF(*points[-1]))
    return path


def _tail_path(points: list[tuple[float, float]], final: bool) -> QPainterPath:
    """The piece of ``_stroke_path`` that the newest point (or the end of the stroke) adds."""
    if final:
        path = QPainterPath(_midpoint(points[-2], points[-1]))
        path.lineTo(QPointF(*points[-1]))
    elif len(points) == 2:
        path = QPainterPath(QPointF(*points[0]))
        path.lineTo(_midpoint(points[0], points[1]))
    else:
        path = QPainterPath(_midpoint(points[-3], points[-2]))
        path.quadTo(QPointF(*points[-2]), _midpoint(points[-2], points[-1]))
    return path
