"""Training from the window on a worker thread: live plots and progress, Stop, the best epoch kept."""
import dataclasses

import numpy as np
import pytest

import cnn
import cnn.recipe

TIMEOUT_MS = 120_000  # generous: CI machines are slow and shared; no test asserts a duration


def weights_of(window):
    return {k: v.copy() for k, v in window.active.model.state_dict().items()}


def same_weights(a, b):
    return all(np.array_equal(a[k], b[k]) for k in a)


def max_difference(a, b):
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)


def run(window, qtbot, config=None, click=False):
    with qtbot.waitSignal(window.training.run_ended, timeout=TIMEOUT_MS):
        if click:
            window.training_view.start_button.click()
        else:
            assert window.training.start(config)
    return window.training.result


def test_two_epochs_update_plots_progress_log_and_weights(window, qtbot):
    before = weights_of(window)
    with qtbot.waitSignal(window.training.run_ended, timeout=TIMEOUT_MS):
        window.training_view.start_button.click()
        assert window.training.is_running()
        assert not window.training_view.start_button.isEnabled()
        assert window.training_view.stop_button.isEnabled()
        assert not window.open_action.isEnabled()  # no swapping weights under a run
    result = window.training.result
    assert [e.epoch for e in result.history.epochs] == [1, 2]
    plots = window.plots
    assert plots.batch_count == 2 * 8  # 512 images in batches of 64, twice
    assert plots.epoch_count == 2
    x, y = plots.smooth_curve.getData()
    assert len(x) == 16 and np.all(np.isfinite(y))
    assert len(plots.test_accuracy_curve.getData()[0]) == 2
    bar = window.training_view.progress_bar
    assert bar.maximum() == 1024 and bar.value() == 1024
    log = window.training_view.log.toPlainText()
    assert "Epoch 1/2" in log and "Epoch 2/2" in log and "Finished 2 epoch(s)" in log
    # From untrained weights, the run's best epoch is in use, and the window says so.
    assert not same_weights(before, weights_of(window))
    assert same_weights(weights_of(window), result.model.state_dict())
    assert window.active.test_accuracy == pytest.approx(result.best.val_accuracy)
    assert f"trained here (best epoch {result.best.epoch} of 2)" in window.weights_label.text()
    assert f"{result.best.val_accuracy:.2%}" in window.weights_label.text()
    assert window.training_view.start_button.isEnabled() and window.open_action.isEnabled()


def test_each_epoch_is_shown_live_and_batches_never_touch_the_weights_in_use(window, small_run, qtbot):
    before, changes, during = weights_of(window), [], []
    window.active.changed.connect(lambda: changes.append((window.active.source, weights_of(window))))
    window.plots.add_batch = lambda info: during.append(same_weights(before, weights_of(window)))
    result = run(window, qtbot, dataclasses.replace(small_run, epochs=1))
    # No batch reached the prediction model's arrays; the epoch's weights did, as soon as it ended.
    assert len(during) == 8 and all(during)
    assert [source for source, _ in changes] == ["training: epoch 1/1, live", "trained here (best epoch 1 of 1)"]
    assert all(same_weights(weights, result.model.state_dict()) for _, weights in changes)


def test_stop_ends_the_run_within_a_batch_and_keeps_the_weights(window, small_run, qtbot, monkeypatch):
    stopped_flags = []
    real_fit = cnn.recipe.fit

    def spy_fit(*args, on_batch, should_stop, **kwargs):
        def report(info):
            stopped_flags.append(should_stop())
            on_batch(info)
        return real_fit(*args, on_batch=report, should_stop=should_stop, **kwargs)

    monkeypatch.setattr(cnn.recipe, "fit", spy_fit)
    before = weights_of(window)
    long_run = dataclasses.replace(small_run, epochs=50, batch_size=16, train_size=1024)
    with qtbot.waitSignal(window.training.run_ended, timeout=TIMEOUT_MS):
        window.training.start(long_run)
        qtbot.waitUntil(lambda: window.plots.batch_count > 0, timeout=TIMEOUT_MS)
        window.stop_action.trigger()
    result = window.training.result
    assert result.history.stopped and result.best is None
    assert stopped_flags.count(True) <= 1  # seen from the job: at most the batch in flight finished
    assert len(stopped_flags) < 1024 // 16  # ended inside the first of 50 epochs
    assert same_weights(before, weights_of(window))  # no epoch finished: weights in use untouched
    assert "Stopped" in window.training_view.log.toPlainText()
    assert not window.training.is_running() and window.training_view.start_button.isEnabled()


def test_closing_the_window_mid_run_stops_and_joins_the_thread(window, small_run, qtbot):
    window.training.start(dataclasses.replace(small_run, epochs=50, train_size=1024))
    qtbot.waitUntil(lambda: window.plots.batch_count > 0, timeout=TIMEOUT_MS)
    thread = window.jobs._running["training"].thread
    window.close()  # qt_log_level_fail turns "QThread: Destroyed while running" into a failure
    assert not window.training.is_running()
    assert thread.isFinished()


def test_a_worse_run_leaves_the_better_weights_in_use_and_offers_its_own(make_window, small_run, qtbot,
                                                                         tmp_path):
    good = tmp_path / "good.npz"  # claims to be perfect: no two-batch run can beat it
    cnn.save_weights(good, cnn.build_default(np.random.default_rng(3)), {"training": {"test_accuracy": 1.0}})
    window = make_window(weights_path=good)
    before = weights_of(window)
    result = run(window, qtbot, dataclasses.replace(small_run, epochs=1, train_size=128))
    assert result.best.val_accuracy < 1.0
    assert same_weights(before, weights_of(window)) and window.active.source == "good.npz"
    assert "100.00%" in window.banner.text and "stay in use" in window.banner.text
    [use_anyway] = window.banner.buttons
    use_anyway.click()  # the user says so
    assert same_weights(weights_of(window), result.model.state_dict())
    assert "trained here" in window.active.source and window.active.unsaved


def test_a_diverging_run_shows_why_and_keeps_the_weights(window, small_run, qtbot):
    before, source = weights_of(window), window.active.source
    result = run(window, qtbot, dataclasses.replace(small_run, epochs=3, lr=1000.0, train_size=1024,
                                                    batch_size=32))
    assert result.diverged and "chance" in result.diverged
    assert window.banner.kind == "error" and "diverged" in window.banner.text
    assert same_weights(before, weights_of(window)) and window.active.source == source
    assert window.training_view.start_button.isEnabled()


@pytest.mark.parametrize("from_scratch", [False, True])
def test_a_run_starts_from_the_weights_in_use_or_from_scratch(window, qtbot, monkeypatch, from_scratch):
    starting = []
    real_fit = cnn.recipe.fit

    def spy_fit(model, *args, **kwargs):
        starting.append(model.state_dict())
        return real_fit(model, *args, **kwargs)

    monkeypatch.setattr(cnn.recipe, "fit", spy_fit)
    window.active.replace(cnn.build_default(np.random.default_rng(77)), window.active.meta, "seed 77")
    window.training_view.scratch_box.setChecked(from_scratch)
    run(window, qtbot, click=True)
    assert same_weights(starting[0], cnn.build_default(np.random.default_rng(77)).state_dict()) \
        is not from_scratch
    origin = "a fresh network" if from_scratch else "seed 77"
    assert f"starting from {origin}" in window.training_view.log.toPlainText()


def test_the_window_and_the_recipe_give_the_same_weights(window, small_run, synthetic, qtbot):
    # The window runs cnn.run_training itself: same config and seed, same weights (tests/cli
    # shows the same for app.py train).
    config = dataclasses.replace(small_run, seed=5)
    with qtbot.waitSignal(window.training.run_ended, timeout=TIMEOUT_MS):
        assert window.training.start(config, from_scratch=True)
    direct = cnn.run_training(config, synthetic).model.state_dict()
    other_seed = cnn.run_training(dataclasses.replace(config, seed=6), synthetic).model.state_dict()
    # Equal up to float32 rounding: OpenBLAS may round a product differently with the batch's
    # memory alignment, which differs between the two processes' arrays.
    assert max_difference(weights_of(window), direct) < 1e-4 < max_difference(direct, other_seed)
    assert window.active.meta["training"]["seed"] == 5
