"""The window on the real MNIST (``MNIST_DIR``): the shipped weights evaluated and shown test
digits, and a network trained in the window reading drawn digits. Everything else in tests/gui
runs on the synthetic stand-in, so it needs no MNIST.
"""
import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QTimer

import cnn

TIMEOUT_MS = 120_000


def test_the_shipped_weights_on_the_real_test_set_and_its_digits(make_window, shipped_weights, mnist_dir,
                                                                  qtbot):
    window = make_window(shipped_path=shipped_weights, data_dir=str(mnist_dir))
    x, y = cnn.load_mnist("test", mnist_dir)
    model, meta = cnn.load_model(shipped_weights)
    expected = cnn.evaluate(model, x, y, prepare=cnn.make_prepare(meta["normalization"]))
    ticks = []
    probe = QTimer()
    probe.setInterval(10)
    probe.timeout.connect(lambda: ticks.append(1) if window.jobs.is_running("evaluation") else None)
    probe.start()
    with qtbot.waitSignal(window.inspect.evaluation_ended, timeout=TIMEOUT_MS):
        window.evaluate_action.trigger()
    probe.stop()
    assert len(ticks) >= 2  # the event loop kept turning during the pass
    report = window.evaluation_view.report
    np.testing.assert_array_equal(report.confusion, expected.confusion)
    assert report.accuracy == pytest.approx(expected.accuracy) and report.accuracy > 0.99
    # Real test digits put on the canvas are read as themselves.
    picker = window.test_digit_picker
    for index in (0, 1, 2, 3, 4, 8, 1234, 9999):
        with qtbot.waitSignal(window.inspect.test_digit_shown, timeout=TIMEOUT_MS):
            picker.index_box.setValue(index)
            picker.show_button.click()
        result = window.latest_result
        assert result.digit == y[index], f"test digit #{index}"
        assert f"#{index}: a {y[index]}" in picker.label.text()
        # What the network sees is the MNIST image itself, up to resampling (and a pixel's shift).
        assert np.corrcoef(result.image.ravel(), x[index].ravel())[0, 1] > 0.6
    assert window.feature_maps_view.blocks  # the maps followed


def test_a_network_trained_in_the_window_reads_drawn_digits(make_window, mnist_dir, small_run, qtbot,
                                                            draw, shapes):
    window = make_window(data_dir=str(mnist_dir))
    quick = dataclasses.replace(small_run, epochs=1, train_size=6000, batch_size=32, lr=2e-3)
    with qtbot.waitSignal(window.training.run_ended, timeout=TIMEOUT_MS):
        window.training.start(quick)
    assert window.active.test_accuracy > 0.8
    for shape, digit in (("one", 1), ("zero", 0), ("seven", 7)):
        window.canvas.clear()
        draw(window.canvas, getattr(shapes, shape)())
        assert window.latest_result.digit == digit, shape
