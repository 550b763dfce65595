"""Where it goes wrong: the test-set evaluation on a worker thread, the confusion matrix, galleries."""
import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

import cnn
from gui.evaluation_view import CELL_LIMIT, WRONG_COUNT

TIMEOUT_MS = 120_000
WHERE_IT_GOES_WRONG = 2


_EXPECTED = {}  # cnn.evaluate of the shipped weights, computed once for the module's tests


@pytest.fixture
def expected(mnist_dir, shipped_weights):
    """The shipped weights on the full test set by ``cnn.evaluate`` itself, and the true labels."""
    key = (str(mnist_dir), str(shipped_weights))
    if key not in _EXPECTED:
        model, meta = cnn.load_model(shipped_weights)
        x, y = cnn.load_mnist("test", mnist_dir)
        _EXPECTED[key] = cnn.evaluate(model, x, y, prepare=cnn.make_prepare(meta["normalization"])), y
    return _EXPECTED[key]


def shipped_window(make_window, shipped_weights, mnist_dir):
    window = make_window(shipped_path=shipped_weights, data_dir=str(mnist_dir))
    window.tabs.setCurrentIndex(WHERE_IT_GOES_WRONG)
    return window


def evaluate(window, qtbot):
    with qtbot.waitSignal(window.inspect.evaluator.finished, timeout=TIMEOUT_MS):
        window.evaluation_view.evaluate_button.click()
    return window.evaluation_view.report


def click_cell(window, true, predicted):
    plots = window.evaluation_view.plots
    QTest.mouseClick(plots.viewport(), Qt.LeftButton, Qt.NoModifier, plots.cell_position(true, predicted))


def test_evaluation_runs_without_blocking_and_matches_cnn_evaluate(make_window, shipped_weights, mnist_dir,
                                                                   expected, qtbot):
    window = shipped_window(make_window, shipped_weights, mnist_dir)
    evaluator, view = window.inspect.evaluator, window.evaluation_view
    ticks_while_running, progress = [], []
    probe = QTimer()
    probe.setInterval(10)
    probe.timeout.connect(lambda: ticks_while_running.append(1) if evaluator.is_running() else None)
    evaluator.progressed.connect(lambda done, total: progress.append((done, total)))
    probe.start()
    with qtbot.waitSignal(evaluator.finished, timeout=TIMEOUT_MS):
        view.evaluate_button.click()
        # The click came straight back: the pass runs on its thread, the buttons say so.
        assert evaluator.is_running() and view.report is None
        assert view.stop_button.isEnabled() and not view.evaluate_button.isEnabled()
    probe.stop()
    assert len(ticks_while_running) >= 2  # the event loop kept turning during the pass
    assert len(progress) > 2 and progress[-1] == (10_000, 10_000)
    assert view.progress_bar.value() == view.progress_bar.maximum() == 10_000
    evaluation, _ = expected
    report = view.report
    assert report.confusion.sum() == 10_000
    np.testing.assert_array_equal(report.confusion, evaluation.confusion)
    assert report.accuracy == pytest.approx(evaluation.accuracy)
    assert f"{evaluation.accuracy:.2%}" in view.accuracy_label.text()
    heights = view.plots.class_bars.opts["height"]
    np.testing.assert_allclose(heights, 100 * evaluation.per_class_accuracy())
    assert view.evaluate_button.isEnabled() and not view.stop_button.isEnabled()


def test_clicking_a_cell_lists_exactly_its_images(make_window, shipped_weights, mnist_dir, expected, qtbot,
                                                  dialogs, tmp_path):
    window = shipped_window(make_window, shipped_weights, mnist_dir)
    evaluate(window, qtbot)
    evaluation, y = expected
    view = window.evaluation_view
    mistakes = np.where(np.eye(10, dtype=bool), 0, evaluation.confusion)
    true, predicted = np.unravel_index(np.argmax(mistakes), mistakes.shape)
    for r, c in ((true, predicted), (7, 7)):
        click_cell(window, r, c)
        wanted = np.flatnonzero((y == r) & (evaluation.predictions == c))
        assert view.cell_gallery.indices() == list(wanted[:CELL_LIMIT])
        assert f"{len(wanted):,} image" in view.cell_title.text()
    assert view.cell_gallery.count() == CELL_LIMIT < evaluation.confusion[7, 7]
    # The most confidently wrong: all wrong, surest first, with their top three.
    wrong = view.wrong_gallery.indices()
    assert len(wrong) == min(WRONG_COUNT, int((evaluation.predictions != y).sum()))
    assert all(evaluation.predictions[i] != y[i] for i in wrong)
    sureness = evaluation.probabilities[wrong, evaluation.predictions[wrong]]
    assert np.all(np.diff(sureness) <= 0)
    assert view.wrong_gallery.item(0).text().count("%") == 3
    # Exporting the matrix writes a PNG.
    dialogs.png_path = tmp_path / "matrix.png"
    view.export_button.click()
    assert not QImage(str(dialogs.png_path)).isNull()


def test_stop_ends_an_evaluation_early(make_window, shipped_weights, mnist_dir, qtbot):
    window = shipped_window(make_window, shipped_weights, mnist_dir)
    evaluator, view = window.inspect.evaluator, window.evaluation_view
    cancelled = []
    evaluator.cancelled.connect(lambda: cancelled.append(True))
    with qtbot.waitSignal(evaluator.progressed, timeout=TIMEOUT_MS):
        view.evaluate_button.click()
    with qtbot.waitSignal(evaluator.finished, timeout=TIMEOUT_MS):
        view.stop_button.click()
    assert cancelled == [True] and view.report is None
    assert "Stopped" in view.status_label.text()


def test_closing_the_window_mid_evaluation_joins_the_thread(make_window, shipped_weights, mnist_dir, qtbot):
    window = shipped_window(make_window, shipped_weights, mnist_dir)
    evaluator = window.inspect.evaluator
    with qtbot.waitSignal(evaluator.progressed, timeout=TIMEOUT_MS):
        window.evaluation_view.evaluate_button.click()
    thread = evaluator._thread
    window.close()  # qt_log_level_fail turns "QThread: Destroyed while running" into a failure
    assert not evaluator.is_running()
    assert thread.isFinished()


def test_new_weights_mark_the_results_as_out_of_date(make_window, shipped_weights, mnist_dir, expected,
                                                     qtbot):
    window = shipped_window(make_window, shipped_weights, mnist_dir)
    evaluator, view = window.inspect.evaluator, window.evaluation_view
    other = cnn.build_default(np.random.default_rng(1)).state_dict()
    with qtbot.waitSignal(evaluator.finished, timeout=TIMEOUT_MS):
        view.evaluate_button.click()
        qtbot.waitSignal(evaluator.progressed, timeout=TIMEOUT_MS).wait()
        window.active.load_state(other, {}, "other weights")  # an epoch lands mid-pass
    # The pass kept to the weights it started with, and says they are no longer the ones in use.
    np.testing.assert_array_equal(view.report.confusion, expected[0].confusion)
    assert "Evaluate again" in view.status_label.text() and "other weights" in view.status_label.text()
    evaluate(window, qtbot)
    assert "Evaluate again" not in view.status_label.text() and view.report.source == "other weights"
    window.active.mark_saved(shipped_weights)  # same weights, new name: still current
    assert "Evaluate again" not in view.status_label.text()


def test_without_mnist_the_view_says_so_and_offers_it(make_window, tmp_path, qtbot):
    empty = tmp_path / "empty"
    empty.mkdir()
    window = make_window(data_dir=str(empty))
    window.tabs.setCurrentIndex(WHERE_IT_GOES_WRONG)
    with qtbot.waitSignal(window.inspect.evaluator.finished, timeout=TIMEOUT_MS):
        window.evaluate_action.trigger()
    view = window.evaluation_view
    assert "MNIST" in view.status_label.text() and "not found" in view.status_label.text()
    assert view.report is None and view.evaluate_button.isEnabled()
    assert window.banner.isVisible() and "MNIST" in window.banner.text
    assert [b.text() for b in window.banner.buttons] == ["Download MNIST (11 MB)", "Choose folder…"]
