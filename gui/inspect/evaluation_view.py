"""Where the network goes wrong: test accuracy, per-digit accuracy, confusion matrix, how honest its
confidence is (calibration), galleries."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

from gui import theme
from gui.inspect.evaluation_plots import EvaluationPlots
from gui.inspect.gallery import Gallery

CELL_LIMIT = 120  # thumbnails for one cell; a diagonal cell holds ~1,000 right answers
WRONG_COUNT = 30
CELL_PLACEHOLDER = "The test images of the cell you click in the matrix appear here."
WRONG_PLACEHOLDER = ("After an evaluation: the test digits the network read wrong most confidently, "
                     "with its top three guesses.")
CALIBRATION_PLACEHOLDER = "Expected calibration error: after an evaluation"
CALIBRATION_TIP = ("The expected calibration error: how far the confidence shown is from how often it is "
                   "right, on average over the test digits")
PROMPT = "Evaluate the weights in use on the 10,000 MNIST test digits, then click a cell to see its images."


class EvaluationView(QWidget):
    """A passive view of an ``EvaluationReport``; commands leave as signals.

    Signals:
        evaluate_requested(), stop_requested(), export_requested(): the buttons.
        test_image_chosen(int): a thumbnail was double-clicked (its test-set index).
    """

    evaluate_requested = Signal()
    stop_requested = Signal()
    export_requested = Signal()
    test_image_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.report = None
        self.evaluate_button = QPushButton("Evaluate on the test set")
        self.stop_button = QPushButton("Stop")
        self.export_button = QPushButton("Export matrix PNG…")
        self.progress_bar = QProgressBar()
        self.accuracy_label = QLabel("–")
        self.status_label = QLabel(PROMPT)
        self.calibration_label = QLabel(CALIBRATION_PLACEHOLDER)
        self.plots = EvaluationPlots()
        self.cell_title = QLabel("Click a cell of the matrix")
        self.cell_gallery = Gallery(caption_lines=1, cell_width=70, placeholder=CELL_PLACEHOLDER)
        self.wrong_title = QLabel(f"The {WRONG_COUNT} most confidently wrong: true → read, top 3")
        self.wrong_gallery = Gallery(caption_lines=4, cell_width=76, placeholder=WRONG_PLACEHOLDER,
                                     min_rows=2)
        self._style()
        self._build_layout()
        self.evaluate_button.clicked.connect(lambda checked=False: self.evaluate_requested.emit())
        self.stop_button.clicked.connect(lambda checked=False: self.stop_requested.emit())
        self.export_button.clicked.connect(lambda checked=False: self.export_requested.emit())
        self.plots.cell_clicked.connect(self.select_cell)
        self.cell_gallery.image_chosen.connect(self.test_image_chosen)
        self.wrong_gallery.image_chosen.connect(self.test_image_chosen)
        self.set_running(False)

    def _style(self) -> None:
        font = QFont(self.font())
        font.setPointSize(22)
        font.setBold(True)
        self.accuracy_label.setFont(font)
        self.accuracy_label.setToolTip("Test accuracy of the weights evaluated")
        self.status_label.setWordWrap(True)
        # Room for two lines, fixed: a height that follows the width would make the tab's scroll
        # area ask for the label's preferred height, and scroll at 1280 x 720.
        policy = self.status_label.sizePolicy()
        policy.setHeightForWidth(False)
        self.status_label.setSizePolicy(policy)
        self.status_label.setMinimumHeight(2 * self.status_label.fontMetrics().lineSpacing() + 4)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setFormat("%v / %m")
        self.export_button.setToolTip("Save the confusion matrix as a PNG image")
        self.export_button.setEnabled(False)
        # One line that a narrow window cuts short rather than widens for; the tooltip has it all.
        self.calibration_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.calibration_label.setToolTip(CALIBRATION_TIP)
        for title in (self.cell_title, self.wrong_title, self.calibration_label):
            title.setStyleSheet(f"color: {theme.MUTED};")
        self.plots.setMinimumHeight(240)

    def _build_layout(self) -> None:
        commands = QHBoxLayout()
        for button in (self.evaluate_button, self.stop_button):
            commands.addWidget(button)
        commands.addWidget(self.progress_bar, 1)
        commands.addWidget(self.export_button)
        summary = QHBoxLayout()
        summary.addWidget(self.accuracy_label)
        summary.addWidget(self.status_label, 1)
        galleries = QGridLayout()
        galleries.addWidget(self.cell_title, 0, 0)
        galleries.addWidget(self.wrong_title, 0, 1)
        galleries.addWidget(self.cell_gallery, 1, 0)
        galleries.addWidget(self.wrong_gallery, 1, 1)
        galleries.setColumnStretch(0, 1)
        galleries.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(commands)
        layout.addLayout(summary)
        layout.addWidget(self.calibration_label)
        layout.addWidget(self.plots, 3)
        layout.addLayout(galleries, 2)

    # ----- input ------------------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        self.evaluate_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        if running:
            self.progress_bar.setRange(0, 0)  # busy until the first batch says how many
            self.status_label.setText("Loading the test set…")

    def show_progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        self.status_label.setText(f"Evaluating… {done:,} of {total:,} test digits")

    def show_message(self, text: str) -> None:
        """A note in place of the results' summary (stopped, failed, MNIST missing)."""
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.status_label.setText(text)

    def show_report(self, report) -> None:
        """Show an ``EvaluationReport``: summary, matrix, per-digit accuracy, the worst mistakes."""
        self.report = report
        n = len(report.labels)
        self.progress_bar.setRange(0, n)
        self.progress_bar.setValue(n)
        self.accuracy_label.setText(f"{report.accuracy:.2%}")
        self.status_label.setText(f"test accuracy · {report.wrong_count:,} of {n:,} digits read wrong · "
                                  f"weights: {report.source}")
        self.plots.show_results(report.confusion, report.per_class_accuracy())
        before = report.reliability(calibrated=False) if report.temperature != 1.0 else None
        self.plots.show_reliability(report.reliability(), before)
        text = calibration_text(report)
        self.calibration_label.setText(text)
        self.calibration_label.setToolTip(f"{text}\n\n{CALIBRATION_TIP}")
        self.export_button.setEnabled(True)
        self._show_most_wrong()
        self.cell_gallery.clear()
        self.cell_title.setText("Click a cell of the matrix to see its images")

    def mark_stale(self, source: str) -> None:
        """The weights in use changed since the report was made."""
        if self.report is not None:
            self.status_label.setText(f"These results are for {self.report.source}; now in use: {source}. "
                                      "Evaluate again to update them.")

    def select_cell(self, true: int, predicted: int) -> None:
        """Show the test images of one cell: this true digit, read as ``predicted``."""
        report = self.report
        if report is None:
            return
        self.plots.select_cell(true, predicted)
        indices = report.cell_indices(true, predicted)
        shown = indices[:CELL_LIMIT]
        confidence = report.confidence(shown)
        captions = [f"#{i}" for i in shown]
        tooltips = [f"Test image #{i}: a {true}, read as {predicted} ({p:.0%})" for i, p in zip(shown, confidence)]
        self.cell_gallery.show_images(report.images, shown, captions, tooltips)
        what = "read correctly" if true == predicted else f"read as {predicted}"
        more = f", showing the first {len(shown)}" if len(shown) < len(indices) else ""
        self.cell_title.setText(f"True {true}, {what}: {len(indices):,} image(s){more}")

    def _show_most_wrong(self) -> None:
        report = self.report
        worst = report.confidently_wrong(WRONG_COUNT)
        captions, tooltips = [], []
        for i in worst:
            top = report.top_probabilities(i, 3)
            captions.append(f"{report.labels[i]} → {top[0][0]}\n"
                            + "\n".join(f"{d}: {percent(p)}" for d, p in top))
            unsure = ", so unsure" if report.unsure[i] else ""
            tooltips.append(f"Test image #{i}: a {report.labels[i]}, read as {top[0][0]} "
                            f"({top[0][1]:.1%} sure{unsure})")
        self.wrong_gallery.show_images(report.images, worst, captions, tooltips)

    def save_png(self, path: Path) -> Path:
        """Export the confusion matrix."""
        return self.plots.save_confusion_png(path)


def calibration_text(report) -> str:
    """The line under the summary: how honest the percentages are, and how many digits are unsure."""
    if report.temperature == 1.0:
        before = "these weights are not calibrated"
    else:
        before = f"before calibration {report.ece_uncalibrated:.1%}, temperature {report.temperature:.2f}"
    return (f"Expected calibration error: {report.ece:.1%} ({before}); "
            f"{report.unsure_share:.1%} of test digits unsure")


def percent(p: float) -> str:
    """A probability for a caption: whole percents, but never rounded to a false 0% or 100%."""
    if p < 0.005:
        return "<1%"
    if p > 0.995:
        return f"{p:.1%}" if p < 0.9995 else ">99.9%"
    return f"{p:.0%}"
