"""Where it goes wrong, calibrated: the evaluation reads with the weights' calibration record, and
the view shows the reliability diagram and the calibration error before and after."""
import copy

import numpy as np
import pytest

import cnn
from gui.inspect.evaluation_view import CALIBRATION_PLACEHOLDER

TIMEOUT_MS = 120_000
WHERE_IT_GOES_WRONG = 2
CALIBRATION = {"temperature": 0.5, "unsure_below": 0.3}


def use_weights(window, calibration):
    """Weights that read the synthetic MNIST only partly, with this calibration record (None: none)."""
    meta = copy.deepcopy(window.active.meta)
    meta["training"] = {} if calibration is None else {"calibration": dict(calibration)}
    window.active.replace(cnn.build_default(np.random.default_rng(5)), meta, "seed 5")
    window.tabs.setCurrentIndex(WHERE_IT_GOES_WRONG)


def evaluate(window, qtbot):
    with qtbot.waitSignal(window.inspect.evaluation_ended, timeout=TIMEOUT_MS):
        window.evaluation_view.evaluate_button.click()
    return window.evaluation_view.report


def logits_of(window, images):
    model = window.active.model
    return model.forward(cnn.make_prepare(window.active.normalization_record)(images, None))


def test_the_evaluation_is_read_with_the_weights_calibration(make_window, synthetic, qtbot):
    window = make_window(weights_path=None)
    use_weights(window, CALIBRATION)
    view, plots = window.evaluation_view, window.evaluation_view.plots
    # Before an evaluation: an empty diagram that says what will be there.
    assert plots.reliability_hint.isVisible() and "sure" in plots.reliability_hint.textItem.toPlainText()
    x, _ = plots.reliability_curve.getData()
    assert x is None or len(x) == 0
    assert view.calibration_label.text() == CALIBRATION_PLACEHOLDER
    report = evaluate(window, qtbot)
    images, labels = synthetic[1]
    assert report.calibration == CALIBRATION and len(report.labels) == len(labels)
    probabilities, unsure = cnn.calibration.judge(logits_of(window, images), CALIBRATION)
    np.testing.assert_allclose(report.probabilities, probabilities, atol=1e-5)
    np.testing.assert_array_equal(report.unsure, unsure)
    assert report.ece != pytest.approx(report.ece_uncalibrated)  # a temperature of 0.5 changes it
    # The diagram: accuracy against mean confidence, in percent, after and before calibration.
    for curve, table in ((plots.reliability_curve, report.reliability()),
                         (plots.before_curve, report.reliability(calibrated=False))):
        x, y = curve.getData()
        assert len(x) == len(table) > 1
        np.testing.assert_allclose(x, [100 * row[3] for row in table])
        np.testing.assert_allclose(y, [100 * row[4] for row in table])
    assert plots.before_curve.isVisible() and not plots.reliability_hint.isVisible()
    assert "calibrated" in plots.reliability_legend.toPlainText() and "before" in plots.reliability_legend.toPlainText()
    text = view.calibration_label.text()
    assert text == (f"Expected calibration error: {report.ece:.1%} (before calibration {report.ece_uncalibrated:.1%}, "
                    f"temperature 0.50); {report.unsure_share:.1%} of test digits unsure")
    assert text in view.calibration_label.toolTip()
    # The most confidently wrong are ordered, and captioned, by the calibrated probabilities.
    wrong = view.wrong_gallery.indices()
    sureness = report.probabilities[wrong, report.predictions[wrong]]
    assert np.all(np.diff(sureness) <= 0)
    assert f"{sureness[0]:.1%} sure" in view.wrong_gallery.item(0).toolTip()


def test_weights_without_calibration_say_so(make_window, qtbot):
    window = make_window(weights_path=None)
    use_weights(window, None)
    report = evaluate(window, qtbot)
    plots, view = window.evaluation_view.plots, window.evaluation_view
    assert report.temperature == 1.0 and report.ece == pytest.approx(report.ece_uncalibrated)
    assert len(plots.reliability_curve.getData()[0]) == len(report.reliability()) > 0
    assert not plots.before_curve.isVisible() and "before" not in plots.reliability_legend.toPlainText()
    assert view.calibration_label.text() == (f"Expected calibration error: {report.ece:.1%} (these weights are "
                                             f"not calibrated); {report.unsure_share:.1%} of test digits unsure")
