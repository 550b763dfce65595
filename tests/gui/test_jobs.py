"""The job runner: a job's signals arrive on the main thread, in order, ``finished`` last; joining."""
import pytest
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication

import cnn
from gui.jobs import Job, JobRunner

TIMEOUT_MS = 60_000


class EchoJob(Job):
    """Emits progressed and completed, or raises ``error``, or waits until it is asked to stop."""

    progressed = Signal(int, int)
    completed = Signal(object)
    task = "Echo"

    def __init__(self, error=None, wait_for_stop=False, steps=1):
        super().__init__()
        self._error, self._wait_for_stop, self._steps = error, wait_for_stop, steps

    def work(self):
        if self._error is not None:
            raise self._error
        if self._wait_for_stop:
            self.stop_event.wait()
        for step in range(self._steps):
            self.progressed.emit(step + 1, self._steps)
        self.completed.emit({"weights": [1.0]})


class Recorder(QObject):
    """Lives on the main thread and notes every signal of a job, and on which thread it came."""

    ended = Signal()

    def __init__(self, job):
        super().__init__()
        self.heard = []
        for name in ("progressed", "completed", "failed", "mnist_not_found", "finished"):
            getattr(job, name).connect(getattr(self, f"on_{name}"))

    def _note(self, name, *args):
        self.heard.append((name, QThread.currentThread() is QApplication.instance().thread(), args))

    @Slot(int, int)
    def on_progressed(self, done, total):
        self._note("progressed", done, total)

    @Slot(object)
    def on_completed(self, value):
        self._note("completed", value)

    @Slot(str)
    def on_failed(self, message):
        self._note("failed", message)

    @Slot(str)
    def on_mnist_not_found(self, message):
        self._note("mnist_not_found", message)

    @Slot()
    def on_finished(self):
        self._note("finished")
        self.ended.emit()


def run(qtbot, runner, job, kind="echo"):
    recorder = Recorder(job)
    with qtbot.waitSignal(recorder.ended, timeout=TIMEOUT_MS):
        assert runner.start(kind, job)
    return recorder.heard


def test_a_jobs_signals_arrive_on_the_main_thread_in_order(qtbot):
    runner = JobRunner()
    heard = run(qtbot, runner, EchoJob(steps=3))
    assert heard == [("progressed", True, (1, 3)), ("progressed", True, (2, 3)), ("progressed", True, (3, 3)),
                     ("completed", True, ({"weights": [1.0]},)), ("finished", True, ())]
    assert not runner.is_running("echo")
    runner.shutdown()


@pytest.mark.parametrize("error, signal, message", [
    (cnn.MnistNotFoundError("no MNIST in /nowhere"), "mnist_not_found", "no MNIST in /nowhere"),
    (cnn.MnistFormatError("bad magic"), "failed", "The MNIST files are damaged: bad magic"),
    (ValueError("odd"), "failed", "Echo failed: ValueError: odd"),
])
def test_a_job_reports_an_error_as_a_signal_then_finishes(qtbot, error, signal, message):
    runner = JobRunner()
    assert run(qtbot, runner, EchoJob(error=error)) == [(signal, True, (message,)), ("finished", True, ())]
    runner.shutdown()


def test_shutdown_stops_and_joins_and_finished_still_comes_last_once(qtbot):
    runner = JobRunner()
    job = EchoJob(wait_for_stop=True, steps=5)
    recorder = Recorder(job)
    runner.start("echo", job)
    assert runner.is_running("echo")
    thread = runner._running["echo"].thread
    runner.shutdown()  # sets the stop event, then waits for the thread
    assert thread.isFinished() and "echo" not in runner._running
    qtbot.waitUntil(lambda: any(name == "finished" for name, _, _ in recorder.heard), timeout=TIMEOUT_MS)
    qtbot.wait(50)  # anything else still queued would arrive now
    names = [name for name, _, _ in recorder.heard]
    assert names == ["progressed"] * 5 + ["completed", "finished"]
    assert all(on_main for _, on_main, _ in recorder.heard)


def test_one_job_of_a_kind_at_a_time_and_kinds_run_side_by_side(qtbot):
    runner = JobRunner()
    first, second = EchoJob(wait_for_stop=True), EchoJob(wait_for_stop=True)
    ended = [Recorder(first), Recorder(second)]
    assert runner.start("training", first)
    assert not runner.start("training", EchoJob())  # refused: one training at a time
    assert runner.start("evaluation", second)
    assert runner.is_running("training") and runner.is_running("evaluation")
    runner.stop("training")
    qtbot.waitUntil(lambda: not runner.is_running("training"), timeout=TIMEOUT_MS)
    assert runner.is_running("evaluation")
    runner.shutdown()
    assert not runner.is_running("evaluation")
    qtbot.waitUntil(lambda: all(r.heard and r.heard[-1][0] == "finished" for r in ended), timeout=TIMEOUT_MS)


def test_a_new_job_can_start_from_the_last_ones_finished_slot(qtbot):
    runner = JobRunner()
    done = []

    class Chain(QObject):
        @Slot()
        def next(self):
            job = EchoJob()
            Recorder(job)  # keeps nothing: only the runner needs the job
            done.append(runner.start("echo", job))

    chain = Chain()
    job = EchoJob()
    job.finished.connect(chain.next)
    runner.start("echo", job)
    qtbot.waitUntil(lambda: bool(done), timeout=TIMEOUT_MS)
    assert done == [True]
    runner.shutdown()


def test_many_jobs_in_a_row_end_cleanly(qtbot):
    # While the worker was deleted on its own thread (deleteLater), the end of a run now and then
    # crashed or deadlocked PySide; the runner drops it on the main thread after the join.
    runner = JobRunner()
    for _ in range(40):
        run(qtbot, runner, EchoJob())
    qtbot.waitUntil(lambda: not runner._running, timeout=TIMEOUT_MS)
    assert repr(runner) == "JobRunner(running=[])"
