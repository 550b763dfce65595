"""Connects the look-inside views to the live prediction, the weights in use and the MNIST test set.

Feature maps follow each prediction, the filters follow the weights, the evaluation runs on a
worker thread; everything here runs on the main thread and only listens to signals.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

import cnn
from gui.feature_maps import first_conv_weights
from gui.training_coordinator import MNIST_DOWNLOAD_MB


class InspectCoordinator(QObject):
    """Args:
        active: the ``ActiveModel``; predictor: the ``Predictor`` whose guesses the maps follow.
        canvas: the ``DrawingCanvas`` test digits are put on.
        feature_maps, filters, evaluation, picker: the views (``FeatureMapsView``, ``FiltersView``,
            ``EvaluationView``, ``TestDigitPicker``).
        evaluator: an ``EvaluationController`` (its ``test_set`` also supplies test digits).
        training: the ``TrainingCoordinator``: where MNIST is (``data_dir``), and its MNIST offer.
        banner, dialogs: for messages and the PNG file names.
        rng: picks random test digits.

    Signals:
        exported(str): a PNG was written to this path.
    """

    exported = Signal(str)

    def __init__(self, active, predictor, canvas, feature_maps, filters, evaluation, picker, evaluator,
                 training, banner, dialogs, rng: np.random.Generator | None = None, parent=None):
        super().__init__(parent)
        self.active, self.canvas, self.evaluator, self.training = active, canvas, evaluator, training
        self.feature_maps, self.filters, self.evaluation, self.picker = feature_maps, filters, evaluation, picker
        self.banner, self.dialogs = banner, dialogs
        self._rng = rng or np.random.default_rng()
        self._export_dir = Path.home()
        self._evaluated_state = None
        predictor.predicted.connect(self.show_feature_maps)
        active.changed.connect(self._on_model_changed)
        self._connect_evaluation()
        picker.random_requested.connect(self.put_test_digit)
        picker.index_requested.connect(self.put_test_digit)
        evaluation.test_image_chosen.connect(self.put_test_digit)
        for view, name in ((feature_maps, "feature-maps"), (filters, "filters"),
                           (evaluation, "confusion-matrix")):
            view.export_requested.connect(lambda view=view, name=name: self.export(view, name))
        self._show_filters()

    def _connect_evaluation(self) -> None:
        view, evaluator = self.evaluation, self.evaluator
        view.evaluate_requested.connect(self.evaluate)
        view.stop_requested.connect(evaluator.stop)
        evaluator.started.connect(lambda: view.set_running(True))
        evaluator.progressed.connect(view.show_progress)
        evaluator.completed.connect(self._on_evaluated)
        evaluator.cancelled.connect(lambda: view.show_message("Stopped before the end; nothing new to show."))
        evaluator.failed.connect(view.show_message)
        evaluator.mnist_not_found.connect(self._offer_mnist)
        evaluator.finished.connect(lambda: view.set_running(False))

    # ----- live -------------------------------------------------------------------------------
    def show_feature_maps(self, prediction) -> None:
        """Show what each conv block makes of the image the prediction was made on."""
        self.feature_maps.show_blocks(None if prediction is None else list(prediction.blocks))

    def _show_filters(self) -> None:
        self.filters.show_filters(first_conv_weights(self.active.model))

    def _on_model_changed(self) -> None:
        self._show_filters()
        if self._evaluated_state is not None and not _same_state(self._evaluated_state, self.active):
            self.evaluation.mark_stale(self.active.source)

    # ----- evaluation -------------------------------------------------------------------------
    def evaluate(self) -> bool:
        """Evaluate the weights in use on the test set, on a worker thread; False if one is running."""
        state = self.active.copy_state()
        started = self.evaluator.start(state, self.active.normalization_record, self.active.source,
                                       self.training.data_dir)
        if started:
            self._evaluated_state = state
        return started

    def _on_evaluated(self, report) -> None:
        self.evaluation.show_report(report)
        if not _same_state(self._evaluated_state, self.active):  # an epoch landed during the pass
            self.evaluation.mark_stale(self.active.source)

    def shutdown(self) -> None:
        """Stop an evaluation still running and join its thread (the window is closing)."""
        self.evaluator.shutdown()

    def _offer_mnist(self, message: str) -> None:
        self.evaluation.show_message("The MNIST test digits were not found, so nothing was evaluated. "
                                     "Download them or choose their folder (above), then evaluate again.")
        self._show_mnist_offer(message)

    def _show_mnist_offer(self, message: str) -> None:
        # The training coordinator's own commands: the folder they find is where training looks too.
        self.banner.show_notice(
            f"This needs the MNIST digits, which were not found.\n{message}",
            [(f"Download MNIST ({MNIST_DOWNLOAD_MB} MB)", self.training.download_mnist),
             ("Choose folder…", self.training.choose_mnist_folder)])

    # ----- test digits ------------------------------------------------------------------------
    def put_test_digit(self, index: int | None = None) -> bool:
        """Put MNIST test digit ``index`` (a random one for None) on the canvas."""
        try:
            images, labels = self.evaluator.test_set.get(self.training.data_dir)
        except cnn.MnistNotFoundError as e:
            self.picker.show_message("MNIST not found")
            self._show_mnist_offer(str(e))
            return False
        except cnn.MnistFormatError as e:
            self.banner.show_error(f"The MNIST files are damaged: {e}")
            return False
        index = int(self._rng.integers(len(labels))) if index is None else int(index)
        self.canvas.show_image(images[index])
        self.picker.show_digit(index, int(labels[index]))
        return True

    # ----- export -----------------------------------------------------------------------------
    def export(self, view, name: str) -> Path | None:
        """Ask where to save ``view`` as a PNG, then save it there; None when cancelled or failed."""
        path = self.dialogs.save_png_path(self._export_dir / f"{name}.png")
        if path is None:
            return None
        try:
            view.save_png(Path(path))
        except OSError as e:
            self.banner.show_error(f"Could not export the PNG: {e}")
            return None
        self._export_dir = Path(path).parent
        self.exported.emit(str(path))
        return Path(path)


def _same_state(state: dict, active) -> bool:
    current = active.model.state_dict()
    return all(np.array_equal(state[key], current[key]) for key in state)
