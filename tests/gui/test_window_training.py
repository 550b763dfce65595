"""Training from the window on a worker thread: live plots and progress, Stop, closing mid-run."""
import dataclasses

import numpy as np
import pytest

import cnn

TIMEOUT_MS = 120_000  # generous: CI machines are slow and shared; no test asserts a duration


def weights_of(window):
    return {k: v.copy() for k, v in window.active.model.state_dict().items()}


def same_weights(a, b):
    return all(np.array_equal(a[k], b[k]) for k in a)


def test_two_epochs_update_plots_progress_log_and_weights(make_window, mnist_dir, qtbot):
    window = make_window(data_dir=str(mnist_dir))
    trainer, before = window.training.trainer, weights_of(window)
    epochs = []
    trainer.epoch_finished.connect(lambda info, state: epochs.append(info))
    with qtbot.waitSignal(trainer.finished, timeout=TIMEOUT_MS):
        window.training_panel.start_button.click()
        assert trainer.is_running()
        assert not window.training_panel.start_button.isEnabled()
        assert window.training_panel.stop_button.isEnabled()
        assert not window.open_action.isEnabled()  # no swapping weights under a run
    assert [e.epoch for e in epochs] == [1, 2]
    plots = window.plots
    assert plots.batch_count == 2 * 8  # 512 images in batches of 64, twice
    assert plots.epoch_count == 2
    x, y = plots.smooth_curve.getData()
    assert len(x) == 16 and np.all(np.isfinite(y))
    assert len(plots.test_accuracy_curve.getData()[0]) == 2
    bar = window.training_panel.progress_bar
    assert bar.maximum() == 1024 and bar.value() == 1024
    log = window.training_panel.log.toPlainText()
    assert "Epoch 1/2" in log and "Epoch 2/2" in log and "Finished 2 epoch(s)" in log
    # The prediction model took the newest epoch's weights, and says where they came from.
    assert not same_weights(before, weights_of(window))
    assert window.active.test_accuracy == pytest.approx(epochs[-1].val_accuracy)
    assert "trained here" in window.weights_label.text()
    assert f"{epochs[-1].val_accuracy:.2%}" in window.weights_label.text()
    assert window.training_panel.start_button.isEnabled()
    assert window.open_action.isEnabled()


def test_training_works_on_a_copy_until_an_epoch_ends(make_window, mnist_dir, small_run, qtbot):
    window = make_window(data_dir=str(mnist_dir))
    trainer, before = window.training.trainer, weights_of(window)
    during = []
    trainer.batch_finished.connect(lambda info: during.append(same_weights(before, weights_of(window))))
    with qtbot.waitSignal(trainer.finished, timeout=TIMEOUT_MS):
        window.training.start(dataclasses.replace(small_run, epochs=1))
    # Batches are reported before their epoch ends, and none reached the prediction model's arrays.
    assert len(during) == 8 and all(during)
    assert not same_weights(before, weights_of(window))


def test_stop_ends_the_run_within_a_batch(make_window, mnist_dir, small_run, qtbot, monkeypatch):
    # Seen from the worker thread: after Stop, at most the batch already in flight may finish.
    stopped_flags = []
    real_fit = cnn.fit

    def spy_fit(*args, on_batch, should_stop, **kwargs):
        def report(info):
            stopped_flags.append(should_stop())
            on_batch(info)
        return real_fit(*args, on_batch=report, should_stop=should_stop, **kwargs)

    monkeypatch.setattr(cnn, "fit", spy_fit)
    window = make_window(data_dir=str(mnist_dir))
    trainer, before = window.training.trainer, weights_of(window)
    long_run = dataclasses.replace(small_run, epochs=50, batch_size=16, train_size=4096)
    results = []
    trainer.completed.connect(results.append)
    with qtbot.waitSignal(trainer.batch_finished, timeout=TIMEOUT_MS):
        window.training.start(long_run)
    with qtbot.waitSignal(trainer.finished, timeout=TIMEOUT_MS):
        window.stop_action.trigger()
    assert results[0].stopped
    assert stopped_flags.count(True) <= 1
    assert len(stopped_flags) < 4096 // 16  # ended inside the first of 50 epochs
    assert same_weights(before, weights_of(window))  # no epoch finished: weights in use untouched
    assert "Stopped" in window.training_panel.log.toPlainText()
    assert not trainer.is_running() and window.training_panel.start_button.isEnabled()


def test_closing_the_window_mid_run_stops_and_joins_the_thread(make_window, mnist_dir, small_run, qtbot):
    window = make_window(data_dir=str(mnist_dir))
    trainer = window.training.trainer
    with qtbot.waitSignal(trainer.batch_finished, timeout=TIMEOUT_MS):
        window.training.start(dataclasses.replace(small_run, epochs=50, train_size=4096))
    thread = trainer._thread
    window.close()  # qt_log_level_fail turns "QThread: Destroyed while running" into a failure
    assert not trainer.is_running()
    assert thread.isFinished()


def test_a_diverging_run_shows_the_error_and_keeps_the_weights(make_window, mnist_dir, qtbot, monkeypatch):
    def diverge(*args, **kwargs):
        raise cnn.NonFiniteLossError("the loss became nan at epoch 1, batch 3")
    monkeypatch.setattr(cnn, "fit", diverge)
    window = make_window(data_dir=str(mnist_dir))
    before, source = weights_of(window), window.active.source
    with qtbot.waitSignal(window.training.trainer.finished, timeout=TIMEOUT_MS):
        window.training.start()
    assert window.banner.isVisible() and window.banner.kind == "error"
    assert "nan" in window.banner.text and "kept" in window.banner.text
    assert same_weights(before, weights_of(window)) and window.active.source == source
    assert window.training_panel.start_button.isEnabled()


def test_a_network_trained_in_the_window_reads_drawn_digits(make_window, mnist_dir, small_run, qtbot,
                                                            draw, shapes):
    window = make_window(data_dir=str(mnist_dir))
    quick = dataclasses.replace(small_run, epochs=1, train_size=6000, batch_size=32, learning_rate=2e-3)
    with qtbot.waitSignal(window.training.trainer.finished, timeout=TIMEOUT_MS):
        window.training.start(quick)
    assert window.active.test_accuracy > 0.8
    for shape, digit in (("one", 1), ("zero", 0), ("seven", 7)):
        window.canvas.clear()
        draw(window.canvas, getattr(shapes, shape)())
        assert window.latest_result.digit == digit, shape


@pytest.mark.parametrize("from_scratch", [False, True])
def test_a_run_starts_from_the_weights_in_use_or_from_scratch(make_window, mnist_dir, small_run, qtbot,
                                                               monkeypatch, from_scratch):
    starting = []
    real_fit = cnn.fit

    def spy_fit(model, *args, **kwargs):
        starting.append(model.state_dict())
        return real_fit(model, *args, **kwargs)

    monkeypatch.setattr(cnn, "fit", spy_fit)
    window = make_window(data_dir=str(mnist_dir))
    window.active.replace(cnn.build_default(np.random.default_rng(77)), window.active.meta, "seed 77")
    window.training_panel.scratch_box.setChecked(from_scratch)
    with qtbot.waitSignal(window.training.trainer.finished, timeout=TIMEOUT_MS):
        window.training_panel.start_button.click()
    assert same_weights(starting[0], cnn.build_default(np.random.default_rng(77)).state_dict()) \
        is not from_scratch
    origin = "a fresh network" if from_scratch else "seed 77"
    assert f"starting from {origin}" in window.training_panel.log.toPlainText()
