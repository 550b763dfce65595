"""The passive views look right before and after data: axes, legends, captions, sizes, placeholders."""
import math
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFont, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QApplication, QFrame, QGroupBox, QScrollArea, QStyle, QVBoxLayout, QWidget

import cnn
from gui.draw.prediction_view import PredictionView
from gui.inspect.evaluation_view import EvaluationView, percent
from gui.inspect.filters_view import FiltersView
from gui.inspect.gallery import THUMB, Gallery
from gui.train.controls_view import LOG_LINES, TrainingView
from gui.train.plots_view import TrainingPlotsView


def shown(qtbot, widget, width, height):
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(50)  # let the layouts settle
    return widget


def grey(widget) -> np.ndarray:
    """The widget as rendered, greyscale ``(H, W)`` uint8."""
    image = widget.grab().toImage().convertToFormat(QImage.Format_Grayscale8)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :image.width()].copy()  # the image's buffer goes with it


def spiky_run(plots, epochs=3, batches=100, seed=0):
    """A fresh network's losses: 13 on the third batch, then down to 0.03..0.08. Returns them."""
    rng, losses = np.random.default_rng(seed), []
    for e in range(1, epochs + 1):
        for b in range(1, batches + 1):
            step = (e - 1) * batches + b
            loss = 13.0 if step == 3 else 0.03 + 2.0 * math.exp(-step / 20) + 0.05 * rng.random()
            losses.append(loss)
            plots.add_batch(cnn.BatchInfo(e, epochs, b, batches, loss, 1000.0, 1.0, step, epochs * batches))
        plots.add_epoch(cnn.EpochInfo(e, epochs, 0.1 / e, 0.9 + 0.02 * e, 0.08 / e, 0.95 + 0.01 * e,
                                      1000.0, 5.0 * e, batches))
    plots.flush()
    return np.array(losses)


def axis_labels(axis) -> list[str]:
    """The tick labels an axis draws now."""
    image = QImage(10, 10, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        return [text for _, _, text in axis.generateDrawSpecs(painter)[2]]
    finally:
        painter.end()


def test_the_loss_axis_is_logarithmic_so_an_early_spike_does_not_squeeze_the_curve(qtbot):
    plots = shown(qtbot, TrainingPlotsView(), 900, 400)
    losses = spiky_run(plots)
    assert plots.loss_plot.getViewBox().state["logMode"][1]
    low, high = plots.loss_plot.getViewBox().viewRange()[1]  # log10 units
    _, shown_loss = plots.batch_curve.getData()  # in view units: log10 of the losses
    np.testing.assert_allclose(shown_loss[-5:], np.log10(losses[-5:]))
    last = shown_loss[-100:]  # the last epoch: 0.03 .. 0.08
    assert low <= np.log10(0.03) and high >= np.log10(13)  # everything is in view, the spike too
    assert (last.max() - last.min()) / (high - low) > 0.1  # linear: 0.05 of 13, about 0.4 %
    labels = axis_labels(plots.loss_plot.getAxis("left"))
    assert {"0.1", "1", "10"} <= set(labels)  # plain losses, not exponents of ten


def test_empty_training_plots_have_sane_axes_and_say_what_will_appear(qtbot):
    plots = shown(qtbot, TrainingPlotsView(), 900, 400)
    for plot in (plots.loss_plot, plots.accuracy_plot):
        (x0, x1), _ = plot.getViewBox().viewRange()
        assert -0.1 <= x0 <= 0 and 1 <= x1 <= 1.1  # epochs 0..1, not 0.2..0.8
        assert axis_labels(plot.getAxis("bottom")) == ["0", "1"]  # whole epochs
    low, high = plots.loss_plot.getViewBox().viewRange()[1]
    assert (low, high) == pytest.approx((-2, 1))  # 0.01 .. 10 on the log axis
    assert plots.accuracy_plot.getViewBox().viewRange()[1][0] == 0
    assert 100 <= plots.accuracy_plot.getViewBox().viewRange()[1][1] <= 105
    for plot in (plots.loss_plot, plots.accuracy_plot):
        for label in axis_labels(plot.getAxis("left")):
            assert 0 <= float(label) <= 100  # no -2.5e-306
    assert plots.loss_hint.isVisible() and "appears here" in plots.loss_hint.textItem.toPlainText()
    assert plots.accuracy_hint.isVisible()
    spiky_run(plots, epochs=2)
    assert not plots.loss_hint.isVisible() and not plots.accuracy_hint.isVisible()


def test_a_new_run_starts_from_the_empty_ranges(qtbot):
    plots = shown(qtbot, TrainingPlotsView(), 900, 400)
    fresh = [p.getViewBox().viewRange() for p in (plots.loss_plot, plots.accuracy_plot)]
    spiky_run(plots, epochs=5)
    assert plots.loss_plot.getViewBox().viewRange()[0][1] > 5
    plots.reset()
    again = [p.getViewBox().viewRange() for p in (plots.loss_plot, plots.accuracy_plot)]
    np.testing.assert_allclose(again, fresh)
    assert plots.loss_hint.isVisible()
    plots.reset(epochs=4)  # the planned epochs, when the caller knows them
    assert axis_labels(plots.loss_plot.getAxis("bottom")) == ["0", "1", "2", "3", "4"]


def test_the_legends_sit_outside_the_data_area(qtbot):
    plots = shown(qtbot, TrainingPlotsView(), 900, 400)
    spiky_run(plots)
    for plot, names in ((plots.loss_plot, ["batch", "smoothed", "epoch", "test"]),
                        (plots.accuracy_plot, ["train", "test"])):
        assert plot.legend is None  # no legend box drawn over the curves
        title = plot.titleLabel
        assert title.isVisible() and all(name in title.text for name in names)
        assert not title.sceneBoundingRect().intersects(plot.getViewBox().sceneBoundingRect())


def test_mistake_captions_fit_their_cells(qtbot):
    view = shown(qtbot, EvaluationView(), 1000, 700)
    gallery = view.wrong_gallery
    images = np.zeros((6, 28, 28), np.uint8)
    # The narrowest caption first: every cell must still fit the widest one.
    guesses = [(0.9, 0.06, 0.04), (0.9999, 0.00005, 0.00005), (0.998, 0.001, 0.001)] * 2
    captions = ["7 → 2\n" + "\n".join(f"{d}: {percent(p)}" for d, p in zip((2, 7, 3), ps)) for ps in guesses]
    assert ">99.9%" in captions[1]
    gallery.show_images(images, range(6), captions)
    qtbot.wait(50)
    metrics = QFontMetrics(gallery.font())
    margin = gallery.style().pixelMetric(QStyle.PM_FocusFrameHMargin, None, gallery) + 1
    for row in range(gallery.count()):
        item, cell = gallery.item(row), gallery.visualItemRect(gallery.item(row))
        lines = item.text().split("\n")
        assert len(lines) == 4
        for line in lines:
            assert metrics.horizontalAdvance(line) <= cell.width() - 2 * margin, line
        assert THUMB + len(lines) * metrics.lineSpacing() <= cell.height()
        assert cell.width() <= gallery.gridSize().width() and cell.height() <= gallery.gridSize().height()
    assert gallery.viewport().height() >= 2 * gallery.gridSize().height()  # two rows, whole


def test_empty_galleries_say_what_will_appear(qtbot):
    view = shown(qtbot, EvaluationView(), 1000, 700)
    plain = shown(qtbot, Gallery(), 300, 200)
    assert grey(plain.viewport()).min() > 240  # an empty gallery without a note: blank
    for gallery in (view.cell_gallery, view.wrong_gallery):
        assert gallery.placeholder and grey(gallery.viewport()).min() < 180  # the note is drawn


@pytest.mark.parametrize("points", [9, 11, 13])
def test_the_log_box_shows_whole_lines(qtbot, points):
    view = shown(qtbot, TrainingView(), 700, 400)
    font = QFont(view.font())
    font.setPointSize(points)
    view.setFont(font)
    log = view.log
    for lines in (3, 12):  # from the top, then scrolled to the end
        log.clear()
        for i in range(lines):
            log.appendPlainText(f"Epoch {i}: train loss 0.1234")
        qtbot.wait(20)
        bottom, whole = log.viewport().height(), 0
        block = log.firstVisibleBlock()
        while block.isValid():
            top = log.blockBoundingGeometry(block).translated(log.contentOffset()).top()
            for i in range(block.layout().lineCount()):
                line = block.layout().lineAt(i)
                y = top + line.y()
                if y < bottom:  # on screen, at least in part: then all of it
                    assert 0 <= y and y + line.height() <= bottom, f"line {block.blockNumber()} cut at {y}"
                    whole += 1
            block = block.next()
        assert whole == min(lines, LOG_LINES)


def filters_page(qtbot, width):
    """The filters view as the window holds it: in a group box, on a scrolling tab page."""
    view = FiltersView()
    view.show_filters(np.random.default_rng(0).standard_normal((32, 1, 3, 3)).astype(np.float32))
    box = QGroupBox("Learned filters")
    QVBoxLayout(box).addWidget(view)
    page = QWidget()
    QVBoxLayout(page).addWidget(box)
    area = QScrollArea()
    area.setWidget(page)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    return view, shown(qtbot, area, width, 600)  # the caller keeps the area: qtbot does not


def test_the_filter_strip_grows_with_the_window(qtbot):
    sizes, pages = [], []
    for width in (500, 1100):
        view, area = filters_page(qtbot, width)
        pages.append(area)
        vb = view.plot.getViewBox()
        sizes.append((3 * 6 + 1) / vb.viewPixelSize()[0])  # one tile, in screen pixels
        assert view.tile_pixels() == pytest.approx(sizes[-1])
        image_height = view.image.image.shape[0] / vb.viewPixelSize()[1]
        assert image_height <= view.graphics.height() + 1  # all of it in view
    assert sizes[1] > 1.8 * sizes[0]  # 14 px at any width before


class EventCounter(QObject):
    def __init__(self, kinds):
        super().__init__()
        self.kinds, self.count = kinds, 0

    def eventFilter(self, watched, event):
        if event.type() in self.kinds:
            self.count += 1
        return False


def test_the_idle_evaluation_view_does_not_repaint(qtbot):
    view = shown(qtbot, EvaluationView(), 1000, 700)
    qtbot.wait(300)
    paints, layouts = EventCounter({QEvent.Paint}), EventCounter({QEvent.LayoutRequest})
    view.plots.viewport().installEventFilter(paints)
    QApplication.instance().installEventFilter(layouts)  # the plots' graphics items get these
    try:
        qtbot.wait(1000)
    finally:
        QApplication.instance().removeEventFilter(layouts)
    assert paints.count <= 3 and layouts.count <= 3  # was ~35-40 of each, a second
    low, high = view.plots.class_plot.getViewBox().viewRange()[1]
    assert low == 0 and high >= 100


def test_empty_evaluation_says_what_to_press_until_results_arrive(qtbot):
    view = shown(qtbot, EvaluationView(), 1000, 700)
    plots = view.plots
    assert plots.matrix_hint.isVisible() and "Evaluate" in plots.matrix_hint.textItem.toPlainText()
    assert plots.class_hint.isVisible()
    confusion = np.diag(np.full(10, 95)) + 1
    plots.show_results(confusion, np.diag(confusion) / confusion.sum(axis=1))
    assert not plots.matrix_hint.isVisible() and not plots.class_hint.isVisible()


def test_the_empty_prediction_shows_no_black_preview(qtbot):
    view = shown(qtbot, PredictionView(), 480, 330)
    assert grey(view.digit_label).min() > 128  # no big black dash
    assert grey(view.preview_label).mean() > 200 and "appears here" in view.preview_label.text()
    image = np.zeros((28, 28), np.float32)
    image[4:24, 12:16] = 1
    probabilities = np.eye(10, dtype=np.float32)[1]
    view.show_prediction(SimpleNamespace(digit=1, confidence=1.0, probabilities=probabilities, image=image,
                                         unsure=False))
    assert grey(view.preview_label).min() < 20  # the real 28x28 input: black with white ink
    view.show_prediction(None)
    assert grey(view.preview_label).mean() > 200
