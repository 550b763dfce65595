"""Where it goes wrong: the test-set evaluation on a worker thread, the confusion matrix, galleries."""
import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

import cnn
from gui.inspect.evaluation_view import CELL_LIMIT, WRONG_COUNT

TIMEOUT_MS = 120_000
WHERE_IT_GOES_WRONG = 2


def expected_for(window, images, labels):
    """``cnn.evaluate`` itself on the weights the window uses, and the true labels."""
    model, norm = window.active.model, window.active.normalization_record
    return cnn.evaluate(model, images, labels, prepare=cnn.make_prepare(norm)), labels


@pytest.fixture
def window(make_window, synthetic):
    """A window on the synthetic MNIST, with weights that read it only partly (so mistakes exist)."""
    window = make_window(weights_path=None)
    window.active.replace(cnn.build_default(np.random.default_rng(5)), window.active.meta, "seed 5")
    window.tabs.setCurrentIndex(WHERE_IT_GOES_WRONG)
    return window


@pytest.fixture
def expected(window, synthetic):
    return expected_for(window, *synthetic[1])


def evaluate(window, qtbot):
    with qtbot.waitSignal(window.inspect.evaluation_ended, timeout=TIMEOUT_MS):
        window.evaluation_view.evaluate_button.click()
    return window.evaluation_view.report


def click_cell(window, true, predicted):
    plots = window.evaluation_view.plots
    QTest.mouseClick(plots.viewport(), Qt.LeftButton, Qt.NoModifier, plots.cell_position(true, predicted))


def check_evaluation(window, expected, qtbot, total):
    view, running = window.evaluation_view, lambda: window.jobs.is_running("evaluation")
    ticks_while_running, progress = [], []
    probe = QTimer()
    probe.setInterval(10)
    probe.timeout.connect(lambda: ticks_while_running.append(1) if running() else None)
    view.progress_bar.valueChanged.connect(progress.append)  # on the main thread, as the view updates
    probe.start()
    with qtbot.waitSignal(window.inspect.evaluation_ended, timeout=TIMEOUT_MS):
        view.evaluate_button.click()
        # The click came straight back: the pass runs on its thread, the buttons say so.
        assert running() and view.report is None
        assert view.stop_button.isEnabled() and not view.evaluate_button.isEnabled()
    probe.stop()
    assert len(progress) >= 2 and progress[-1] == total
    assert view.progress_bar.value() == view.progress_bar.maximum() == total
    evaluation, _ = expected
    report = view.report
    assert report.confusion.sum() == total
    np.testing.assert_array_equal(report.confusion, evaluation.confusion)
    assert report.accuracy == pytest.approx(evaluation.accuracy)
    assert f"{evaluation.accuracy:.2%}" in view.accuracy_label.text()
    heights = view.plots.class_bars.opts["height"]
    np.testing.assert_allclose(heights, 100 * evaluation.per_class_accuracy())
    assert view.evaluate_button.isEnabled() and not view.stop_button.isEnabled()
    return ticks_while_running


def test_evaluation_runs_on_its_thread_and_matches_cnn_evaluate(window, expected, qtbot):
    check_evaluation(window, expected, qtbot, total=600)


def test_clicking_a_cell_lists_exactly_its_images(window, expected, qtbot, dialogs, tmp_path):
    evaluate(window, qtbot)
    evaluation, y = expected
    view = window.evaluation_view
    mistakes = np.where(np.eye(10, dtype=bool), 0, evaluation.confusion)
    true, predicted = np.unravel_index(np.argmax(mistakes), mistakes.shape)
    biggest = np.unravel_index(np.argmax(evaluation.confusion), mistakes.shape)
    for r, c in ((true, predicted), biggest):
        click_cell(window, r, c)
        wanted = np.flatnonzero((y == r) & (evaluation.predictions == c))
        assert view.cell_gallery.indices() == list(wanted[:CELL_LIMIT])
        assert f"{len(wanted):,} image" in view.cell_title.text()
    assert view.cell_gallery.count() == min(CELL_LIMIT, evaluation.confusion[biggest])
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


def slow_evaluation(monkeypatch, started):
    """Make the evaluation job wait, after its first batch, until ``go_on`` is set."""
    import threading
    go_on = threading.Event()
    real_evaluate = cnn.evaluate

    def paused(*args, on_progress, should_stop, **kwargs):
        def report(done, total):
            on_progress(done, total)
            started.set()
            while not (go_on.is_set() or should_stop()):
                go_on.wait(0.01)
        return real_evaluate(*args, on_progress=report, should_stop=should_stop, **kwargs)

    monkeypatch.setattr(cnn, "evaluate", paused)
    return go_on


def test_stop_ends_an_evaluation_early(window, qtbot, monkeypatch):
    import threading
    started = threading.Event()
    slow_evaluation(monkeypatch, started)
    view = window.evaluation_view
    view.evaluate_button.click()
    assert started.wait(60)
    with qtbot.waitSignal(window.inspect.evaluation_ended, timeout=TIMEOUT_MS):
        view.stop_button.click()
    assert view.report is None
    assert "Stopped" in view.status_label.text()


def test_closing_the_window_mid_evaluation_joins_the_thread(window, qtbot, monkeypatch):
    import threading
    started = threading.Event()
    slow_evaluation(monkeypatch, started)
    window.evaluation_view.evaluate_button.click()
    assert started.wait(60)
    thread = window.jobs._running["evaluation"].thread
    window.close()  # qt_log_level_fail turns "QThread: Destroyed while running" into a failure
    assert not window.jobs.is_running("evaluation")
    assert thread.isFinished()


def test_new_weights_mark_the_results_as_out_of_date(window, expected, qtbot, monkeypatch, tmp_path):
    import threading
    started = threading.Event()
    go_on = slow_evaluation(monkeypatch, started)
    view = window.evaluation_view
    other = cnn.build_default(np.random.default_rng(1)).state_dict()
    with qtbot.waitSignal(window.inspect.evaluation_ended, timeout=TIMEOUT_MS):
        view.evaluate_button.click()
        assert started.wait(60)
        window.active.load_state(other, {}, "other weights")  # an epoch lands mid-pass
        go_on.set()
    # The pass kept to the weights it started with, and says they are no longer the ones in use.
    np.testing.assert_array_equal(view.report.confusion, expected[0].confusion)
    assert "Evaluate again" in view.status_label.text() and "other weights" in view.status_label.text()
    evaluate(window, qtbot)
    assert "Evaluate again" not in view.status_label.text() and view.report.source == "other weights"
    window.active.mark_saved(tmp_path / "saved.npz")  # same weights, new name: still current
    assert "Evaluate again" not in view.status_label.text()


def test_without_mnist_the_view_says_so_and_offers_it(make_window, tmp_path, qtbot):
    empty = tmp_path / "empty"
    empty.mkdir()
    window = make_window(data_dir=str(empty))
    window.tabs.setCurrentIndex(WHERE_IT_GOES_WRONG)
    with qtbot.waitSignal(window.inspect.evaluation_ended, timeout=TIMEOUT_MS):
        window.evaluate_action.trigger()
    view = window.evaluation_view
    assert "MNIST" in view.status_label.text() and "not found" in view.status_label.text()
    assert view.report is None and view.evaluate_button.isEnabled()
    assert window.banner.isVisible() and "MNIST" in window.banner.text
    assert [b.text() for b in window.banner.buttons] == ["Download MNIST (11 MB)", "Choose folder…"]
