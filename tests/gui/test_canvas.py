"""The drawing canvas on its own: strokes from real mouse events, clear, undo, resize, ink array."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gui.draw.canvas import DEFAULT_PEN_WIDTH


def test_blank_canvas_has_no_ink(canvas):
    ink = canvas.ink()
    assert ink.dtype == np.float32
    assert ink.shape == (280, 280)
    assert ink.max() == 0
    assert canvas.is_empty()


def test_a_stroke_leaves_antialiased_round_ink_where_drawn(canvas, draw, shapes, qtbot):
    with qtbot.waitSignal(canvas.stroke_finished):
        draw(canvas, shapes.one())
    ink = canvas.ink()
    assert ink.max() == pytest.approx(1.0)
    column = ink[:, 140]
    assert column[60:230].min() == pytest.approx(1.0)  # solid along the stroke
    assert ink[:, :100].max() == 0 and ink[:, 180:].max() == 0  # nothing far from it
    grey = ((ink > 0.05) & (ink < 0.95)).sum()
    assert grey > 50  # antialiased edges, not a hard-edged bitmap
    assert ink[:30].max() == 0  # the round cap ends near the first point (y = 0.15 * 280 = 42)
    assert len(canvas.strokes) == 1 and len(canvas.strokes[0].points) == 30


def test_moves_report_ink_changes(canvas, draw, shapes):
    changes = []
    canvas.ink_changed.connect(lambda: changes.append(1))
    draw(canvas, shapes.one(n=10))
    assert len(changes) == 10  # the press and nine moves


def test_a_single_click_makes_a_dot(canvas):
    QTest.mouseClick(canvas, Qt.LeftButton, Qt.NoModifier, canvas.rect().center())
    assert canvas.ink().max() == pytest.approx(1.0)


def test_clear_by_method_escape_and_delete(canvas, draw, shapes, qtbot):
    for clear in (canvas.clear, lambda: QTest.keyClick(canvas, Qt.Key_Escape),
                  lambda: QTest.keyClick(canvas, Qt.Key_Delete)):
        draw(canvas, shapes.zero())
        assert canvas.ink().max() > 0
        with qtbot.waitSignal(canvas.cleared):
            clear()
        assert canvas.ink().max() == 0 and canvas.is_empty()


def test_undo_removes_only_the_last_stroke(canvas, draw, shapes, qtbot):
    draw(canvas, shapes.one())
    one_only = canvas.ink().copy()
    draw(canvas, [(0.2, 0.5), (0.8, 0.5)])
    assert canvas.ink().sum() > one_only.sum()
    with qtbot.waitSignal(canvas.undone):
        QTest.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert len(canvas.strokes) == 1
    # Re-rendered from the stored points: the same picture up to antialiasing rounding.
    assert np.abs(canvas.ink() - one_only).max() < 0.3
    heard = []
    for name in ("undone", "cleared"):
        getattr(canvas, name).connect(lambda name=name: heard.append(name))
    canvas.undo()
    assert heard == ["undone"]  # one change, one signal: the window predicts once
    assert canvas.is_empty() and canvas.ink().max() == 0
    canvas.undo()  # nothing left to undo: no error, no signal
    assert heard == ["undone"]


def test_resize_redraws_the_same_drawing_at_the_new_size(canvas, draw, shapes):
    draw(canvas, shapes.one())
    canvas.resize(420, 420)
    ink = canvas.ink()
    assert ink.shape == (420, 420)
    assert ink[100:330, 210].min() == pytest.approx(1.0)  # the stroke scaled with the paper
    assert ink[:, :150].max() == 0


def test_wide_canvas_keeps_a_square_centred_paper(canvas):
    canvas.resize(400, 250)
    rect = canvas.paper_rect()
    assert (rect.width(), rect.height()) == (250, 250)
    assert rect.x() == 75
    assert canvas.ink().shape == (250, 250)


def test_ink_follows_the_device_pixel_ratio(canvas, draw, shapes, monkeypatch):
    draw(canvas, shapes.one())
    monkeypatch.setattr(canvas, "devicePixelRatioF", lambda: 2.0)
    canvas.resize(300, 300)  # a new size makes the canvas re-render at the ratio
    ink = canvas.ink()
    assert ink.shape == (600, 600)
    assert ink[150:450, 300].min() == pytest.approx(1.0)


def test_pen_width_changes_later_strokes_only(canvas, draw):
    draw(canvas, [(0.3, 0.2), (0.3, 0.8)])
    canvas.set_pen_width(0.14)
    draw(canvas, [(0.7, 0.2), (0.7, 0.8)])
    ink = canvas.ink()
    thin = (ink[140, :140] > 0.5).sum()
    thick = (ink[140, 140:] > 0.5).sum()
    assert thick > 1.6 * thin
    assert [s.width for s in canvas.strokes] == [pytest.approx(DEFAULT_PEN_WIDTH), pytest.approx(0.14)]


def test_clear_can_be_undone_and_undo_walks_back_every_change(canvas, draw, shapes):
    draw(canvas, shapes.one())
    one = canvas.ink().copy()
    draw(canvas, shapes.seven())
    both = canvas.ink().copy()
    canvas.clear()
    canvas.clear()  # clearing a blank paper is no change: nothing to undo for it
    assert canvas.is_empty()
    canvas.undo()
    # The same strokes, re-rendered whole (a live stroke is painted piece by piece: antialiasing
    # differs at the joints).
    assert len(canvas.strokes) == 2 and np.abs(canvas.ink() - both).mean() < 0.01
    canvas.undo()
    assert len(canvas.strokes) == 1 and np.abs(canvas.ink() - one).mean() < 0.01
    canvas.undo()
    assert canvas.is_empty()
