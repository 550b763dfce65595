"""Looking inside: feature maps follow the live prediction, filters follow the weights in use,
evaluation on the MNIST test set and test digits on the canvas run off the main thread.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

import cnn
from gui.inspect.jobs import EVALUATION, TEST_SET, EvaluationJob, TestSetJob
from gui.train.job import model_copy


class InspectController(QObject):
    """Args:
        jobs: the ``JobRunner``; mnist: the ``MnistSource``; active: the ``ActiveModel``.
        predictor: the ``Predictor`` whose guesses the feature maps follow.
        canvas: the ``DrawingCanvas`` test digits are put on.
        feature_maps, filters, evaluation, picker: the views (``FeatureMapsView``, ``FiltersView``,
            ``EvaluationView``, ``TestDigitPicker``).
        banner, dialogs: for messages and the PNG file names.
        rng: picks random test digits.

    Signals:
        exported(str): a PNG was written to this path.
        evaluation_ended(): an evaluation is over and its outcome is shown.
        test_digit_shown(int): test digit ``index`` is on the canvas.
    """

    exported = Signal(str)
    evaluation_ended = Signal()
    test_digit_shown = Signal(int)

    def __init__(self, jobs, mnist, active, predictor, canvas, feature_maps, filters, evaluation, picker,
                 banner, dialogs, rng: np.random.Generator | None = None, parent=None):
        super().__init__(parent)
        self.jobs, self.mnist, self.active, self.canvas = jobs, mnist, active, canvas
        self.feature_maps, self.filters, self.evaluation, self.picker = feature_maps, filters, evaluation, picker
        self.banner, self.dialogs = banner, dialogs
        self._rng = rng or np.random.default_rng()
        self._export_dir = Path.home()
        self._evaluated_state = None
        self._wanted_digit: int | None = None  # asked for while the test set was being read
        predictor.predicted.connect(self.show_feature_maps)
        active.changed.connect(self._on_model_changed)
        evaluation.evaluate_requested.connect(self.evaluate)
        evaluation.stop_requested.connect(lambda: self.jobs.stop(EVALUATION))
        picker.random_requested.connect(self.put_test_digit)
        picker.index_requested.connect(self.put_test_digit)
        evaluation.test_image_chosen.connect(self.put_test_digit)
        for view, name in ((feature_maps, "feature-maps"), (filters, "filters"),
                           (evaluation, "confusion-matrix")):
            view.export_requested.connect(lambda view=view, name=name: self.export(view, name))
        self._show_filters()

    # ----- live -------------------------------------------------------------------------------
    def show_feature_maps(self, prediction) -> None:
        """Show what each conv block makes of the image the prediction was made on."""
        self.feature_maps.show_blocks(None if prediction is None else list(prediction.blocks))

    def _show_filters(self) -> None:
        self.filters.show_filters(cnn.first_conv_weights(self.active.model))

    def _on_model_changed(self) -> None:
        self._show_filters()
        if self._evaluated_state is not None and not _same_state(self._evaluated_state, self.active):
            self.evaluation.mark_stale(self.active.source)

    # ----- evaluation -------------------------------------------------------------------------
    def evaluate(self) -> bool:
        """Evaluate the weights in use on the test set, on a worker thread; False if one is running."""
        if self.jobs.is_running(EVALUATION):
            return False
        state = self.active.copy_state()
        job = EvaluationJob(model_copy(state, self.active.meta.get("architecture", cnn.ARCHITECTURE)),
                            self.active.normalization_record, self.active.source, self.mnist,
                            self.active.calibration)
        job.progressed.connect(self.evaluation.show_progress)
        job.completed.connect(self._on_evaluated)
        job.cancelled.connect(self._on_cancelled)
        job.failed.connect(self.evaluation.show_message)
        job.mnist_not_found.connect(self._on_mnist_missing)
        job.finished.connect(self._on_evaluation_finished)
        self._evaluated_state = state
        self.jobs.start(EVALUATION, job)
        self.evaluation.set_running(True)
        return True

    def _on_evaluated(self, report) -> None:
        self.evaluation.show_report(report)
        if not _same_state(self._evaluated_state, self.active):  # an epoch landed during the pass
            self.evaluation.mark_stale(self.active.source)

    def _on_cancelled(self) -> None:
        self.evaluation.show_message("Stopped before the end; nothing new to show.")

    def _on_mnist_missing(self, message: str) -> None:
        self.evaluation.show_message("The MNIST test digits were not found, so nothing was evaluated. "
                                     "Download them or choose their folder (above), then evaluate again.")
        self.mnist.offer(message, then=self.evaluate)

    def _on_evaluation_finished(self) -> None:
        self.evaluation.set_running(False)
        self.evaluation_ended.emit()

    # ----- test digits ------------------------------------------------------------------------
    def put_test_digit(self, index: int | None = None) -> bool:
        """Put MNIST test digit ``index`` (a random one for None) on the canvas.

        The test set is read on a worker thread the first time; the digit appears once it is in.
        """
        if not self.mnist.has_test_set():
            self._wanted_digit = -1 if index is None else int(index)
            if not self.jobs.is_running(TEST_SET):
                job = TestSetJob(self.mnist)
                job.completed.connect(self._on_test_set_read)
                job.mnist_not_found.connect(self._on_test_digits_missing)
                job.failed.connect(self._on_test_set_failed)
                self.jobs.start(TEST_SET, job)
                self.picker.show_message("Reading the MNIST test digits…")
            return False
        images, labels = self.mnist.test_set()
        if index is None or index < 0:
            index = int(self._rng.integers(len(labels)))
        if not 0 <= index < len(labels):
            self.picker.show_message(f"There are {len(labels):,} test digits: #0 to #{len(labels) - 1:,}.")
            return False
        self.canvas.show_image(images[index])
        self.picker.show_digit(index, int(labels[index]))
        self.test_digit_shown.emit(index)
        return True

    def _on_test_set_read(self) -> None:
        wanted, self._wanted_digit = self._wanted_digit, None
        if wanted is not None:
            self.put_test_digit(wanted)

    def _on_test_digits_missing(self, message: str) -> None:
        self.picker.show_message("MNIST not found")
        wanted = self._wanted_digit
        self.mnist.offer(message, then=lambda: self.put_test_digit(wanted))

    def _on_test_set_failed(self, message: str) -> None:
        self.picker.show_message("The test digits could not be read")
        self.banner.show_error(message)

    # ----- export -----------------------------------------------------------------------------
    def export(self, view, name: str) -> Path | None:
        """Ask where to save ``view`` as a PNG, then save it there; None when cancelled or failed."""
        path = self.dialogs.save_png_path(self._export_dir / f"{name}.png")
        if path is None:
            return None
        try:
            view.save_png(Path(path))
        except OSError as e:
            self.banner.show_error(f"Could not export the PNG to {path}: {e.strerror or e}")
            return None
        self._export_dir = Path(path).parent
        self.exported.emit(str(path))
        return Path(path)


def _same_state(state: dict, active) -> bool:
    current = active.model.state_dict()
    return all(np.array_equal(state[key], current[key]) for key in state)
