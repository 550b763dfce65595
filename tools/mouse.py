"""Drawing on the canvas with real mouse events, for tests and tools that replay strokes."""
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest


def draw_stroke(canvas, points) -> None:
    """One stroke through ``points`` in paper units (0..1 across ``canvas.paper_rect()``, y down).

    Press, a move per point, release: the canvas sees what a person's mouse would send.
    """
    rect = canvas.paper_rect()
    pixels = [QPoint(round(rect.x() + x * rect.width()), round(rect.y() + y * rect.height()))
              for x, y in points]
    QTest.mousePress(canvas, Qt.LeftButton, Qt.NoModifier, pixels[0])
    for p in pixels[1:]:
        QTest.mouseMove(canvas, p)
    QTest.mouseRelease(canvas, Qt.LeftButton, Qt.NoModifier, pixels[-1])
