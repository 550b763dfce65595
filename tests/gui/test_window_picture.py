"""A picture file on the canvas: File > Open picture… or a drop, read as ``app.py predict`` reads it."""
import io
import warnings

import numpy as np
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

import cnn
from cnn.imagefile import FORMATS, ImageFileWarning, read_image
from gui.draw.picture import PICTURE_SUFFIXES


def seven(path, **options):
    """A '7' drawn dark on a white page, with room around it."""
    image = Image.new("L", (200, 240), 255)
    ImageDraw.Draw(image).line([(50, 50), (150, 50), (90, 200)], fill=0, width=18)
    image.save(path, **options)
    return path


def tight_zero(path):
    """A 16x16 one-bit '0' cut tight to its ink: the ring touches all four borders."""
    image = Image.new("L", (16, 16), 255)
    ImageDraw.Draw(image).ellipse([0, 0, 15, 15], outline=0, width=3)
    image.convert("1", dither=Image.Dither.NONE).save(path)
    return path


def damaged_seven(path):
    """A JPEG '7' with 40 bytes of its picture data zeroed: it decodes, but libjpeg fills in."""
    buffer = io.BytesIO()
    seven(buffer, format="JPEG", quality=90)
    jpeg = bytearray(buffer.getvalue())
    middle = (jpeg.index(b"\xff\xda") + len(jpeg)) // 2
    jpeg[middle:middle + 40] = bytes(40)
    path.write_bytes(jpeg)
    return path


def as_predict_reads_it(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImageFileWarning)  # the window's test checks what it says
        return cnn.to_mnist(cnn.ink_from_image(read_image(path)))


def assert_predicted_from(window, path):
    """The window's latest guess was made on the digit ``app.py predict`` reads in ``path``."""
    result, expected = window.latest_result, as_predict_reads_it(path)
    assert result is not None and expected is not None
    # The canvas draws what it shows smoothly scaled, and the network reads those pixels back:
    # close to the picture's 28x28, not equal. The same 28x28 put on the canvas directly is equal.
    assert np.corrcoef(result.image.ravel(), expected.ravel())[0, 1] > 0.7
    window.canvas.show_image(expected)
    np.testing.assert_array_equal(window.canvas.network_image(), result.image)
    window.canvas.undo()


def open_through_the_menu(window, dialogs, path):
    dialogs.picture_path = path
    window.picture_action.trigger()


def drawn(window, draw, shapes):
    """Draw a '1' first: what must stay when a picture can't be used."""
    draw(window.canvas, shapes.one())
    return window.canvas.strokes, window.canvas.ink().copy(), window.latest_result


def assert_unchanged(window, before):
    strokes, ink, result = before
    assert window.canvas.strokes == strokes and window.latest_result is result
    np.testing.assert_array_equal(window.canvas.ink(), ink)


@pytest.mark.parametrize("picture, digit", [(seven, 7), (tight_zero, 0)])
def test_an_opened_picture_is_shown_and_read_like_app_py_predict(make_window, dialogs, shipped_weights,
                                                                 tmp_path, qtbot, picture, digit):
    window = make_window(shipped_path=shipped_weights)
    path = picture(tmp_path / "digit.png")
    with qtbot.waitSignal(window.canvas.image_shown):
        open_through_the_menu(window, dialogs, path)
    assert dialogs.asked == ["picture"]
    assert not window.canvas.is_empty() and window.canvas.strokes == []
    mean, std = window.active.normalization
    cli_guess = int(np.argmax(window.active.model.predict_proba(cnn.normalize(as_predict_reads_it(path), mean, std))))
    assert window.latest_result.digit == cli_guess == digit
    assert_predicted_from(window, path)
    assert not window.banner.isVisible()
    assert window.settings.folder("pictures") == tmp_path  # the next dialog starts there


def test_cancelling_the_dialog_changes_nothing(window, dialogs, draw, shapes):
    before = drawn(window, draw, shapes)
    window.picture_action.trigger()  # picture_path is None: the user cancelled
    assert dialogs.asked == ["picture"]
    assert_unchanged(window, before)
    assert not window.banner.isVisible()


@pytest.mark.parametrize("content, reason", [
    (b"not a picture" * 30, "not a picture"),
    (None, "cut short"),  # the first 300 bytes of a real PNG
])
def test_a_file_that_cannot_be_read_is_named_with_the_reason(window, dialogs, draw, shapes, tmp_path,
                                                             content, reason):
    before = drawn(window, draw, shapes)
    path = tmp_path / "scribble.png"
    path.write_bytes(content if content is not None else seven(tmp_path / "whole.png").read_bytes()[:300])
    open_through_the_menu(window, dialogs, path)
    assert window.banner.kind == "error"
    assert str(path) in window.banner.text and reason in window.banner.text
    assert_unchanged(window, before)


def test_a_blank_picture_says_no_digit_was_found(window, dialogs, draw, shapes, tmp_path):
    before = drawn(window, draw, shapes)
    Image.new("L", (120, 90), 255).save(tmp_path / "white.png")
    open_through_the_menu(window, dialogs, tmp_path / "white.png")
    assert window.banner.isVisible() and "No digit found" in window.banner.text
    assert "white.png" in window.banner.text
    assert_unchanged(window, before)


def test_a_damaged_picture_is_shown_and_the_damage_said(window, dialogs, tmp_path, qtbot):
    path = damaged_seven(tmp_path / "bad.jpg")
    with qtbot.waitSignal(window.canvas.image_shown):
        open_through_the_menu(window, dialogs, path)
    assert_predicted_from(window, path)
    assert window.banner.kind == "notice"
    assert "bad.jpg" in window.banner.text and "looks damaged (corrupt JPEG data)" in window.banner.text


def test_a_good_picture_takes_away_what_was_said_about_the_last_only(window, dialogs, tmp_path):
    (tmp_path / "junk.png").write_bytes(b"junk" * 100)
    open_through_the_menu(window, dialogs, tmp_path / "junk.png")
    assert window.banner.isVisible()
    open_through_the_menu(window, dialogs, seven(tmp_path / "seven.png"))
    assert not window.banner.isVisible()
    window.banner.show_error("Training stopped: the loss grew.")  # someone else's message stays
    open_through_the_menu(window, dialogs, tmp_path / "seven.png")
    assert window.banner.text == "Training stopped: the loss grew."


def test_ctrl_z_after_opening_brings_back_the_drawing(window, dialogs, draw, shapes, tmp_path):
    strokes, _, result = drawn(window, draw, shapes)
    open_through_the_menu(window, dialogs, seven(tmp_path / "seven.png"))
    assert window.canvas.strokes == []
    QTest.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
    assert window.canvas.strokes == strokes
    np.testing.assert_allclose(window.latest_result.image, result.image)


def mime_with(*urls):
    mime = QMimeData()
    mime.setUrls([QUrl(url) if isinstance(url, str) else QUrl.fromLocalFile(str(url)) for url in urls])
    return mime


def drag_enter(widget, mime) -> bool:
    """Drag ``mime`` over ``widget``; Qt offers it to the first widget up from there that takes drops."""
    event = QDragEnterEvent(widget.rect().center(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def drop(widget, mime) -> bool:
    """Let go: Qt hands the drop to the widget that accepted the drag, if any."""
    event = QDropEvent(QPointF(widget.rect().center()), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def test_a_picture_dropped_on_the_canvas_is_read_by_the_window(window, tmp_path, qtbot):
    path = seven(tmp_path / "Seven.PNG")
    mime = mime_with(tmp_path / "notes.txt", path)  # the first picture among the files
    assert drag_enter(window.canvas, mime)
    with qtbot.waitSignal(window.picture.opened) as opened:
        assert drop(window.canvas, mime)
    assert opened.args == [path]
    assert_predicted_from(window, path)


def test_drags_that_are_not_local_pictures_are_refused(window, draw, shapes, tmp_path):
    before = drawn(window, draw, shapes)
    (tmp_path / "notes.txt").write_text("7")
    for mime in (mime_with(tmp_path / "notes.txt"), mime_with("https://example.com/seven.png"), QMimeData()):
        for widget in (window, window.canvas):
            assert not drag_enter(widget, mime)
            assert not drop(widget, mime)
    assert_unchanged(window, before)
    assert not window.banner.isVisible()


def test_a_dropped_picture_that_cannot_be_read_is_reported(window, tmp_path):
    mime = mime_with(tmp_path / "gone.png")
    assert drag_enter(window, mime) and drop(window, mime)
    assert window.banner.kind == "error" and "gone.png: no such file" in window.banner.text


def test_help_lists_the_open_picture_shortcut(window, dialogs):
    window.shortcuts_action.trigger()
    assert "Ctrl+Shift+P" in dialogs.shown and "Open picture…" in dialogs.shown


def test_the_picture_suffixes_are_those_of_the_kinds_read():
    Image.init()
    readable = {suffix for suffix, kind in Image.registered_extensions().items() if kind in FORMATS}
    assert set(PICTURE_SUFFIXES) == readable
