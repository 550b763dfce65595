"""Worker threads and their hosts: relayed signals on the main thread, errors as signals, joining."""
import threading

import pytest
from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import QApplication

import cnn
from gui.workers import Worker, WorkerHost

TIMEOUT_MS = 10_000


class EchoWorker(Worker):
    """Emits each relayed signal once, or raises ``error``, or waits for ``stop``."""

    progressed = Signal(int, int)
    completed = Signal(object)
    task = "Echo"

    def __init__(self, stop, error=None, wait_for_stop=False):
        super().__init__()
        self._stop, self._error, self._wait_for_stop = stop, error, wait_for_stop

    def _work(self):
        if self._error is not None:
            raise self._error
        if self._wait_for_stop:
            self._stop.wait()
        self.progressed.emit(1, 2)
        self.completed.emit({"weights": [1.0]})


class EchoHost(WorkerHost):
    progressed = Signal(int, int)
    completed = Signal(object)
    failed = Signal(str)
    mnist_not_found = Signal(str)
    relayed = ("progressed", "completed", "failed", "mnist_not_found")

    def start(self, **options):
        self._launch(EchoWorker(self._new_stop_event(), **options), "echo")


def record(host):
    """``[(signal name, emitted on the main thread, arguments)]`` for every host signal."""
    heard = []
    for name in (*EchoHost.relayed, "finished"):
        getattr(host, name).connect(lambda *args, name=name: heard.append(
            (name, QThread.currentThread() is QApplication.instance().thread(), args)))
    return heard


def test_relayed_signals_are_emitted_by_the_host_on_the_main_thread(qtbot):
    host = EchoHost()
    heard = record(host)
    with qtbot.waitSignal(host.finished, timeout=TIMEOUT_MS):
        host.start()
        assert host.is_running()
    assert heard == [("progressed", True, (1, 2)), ("completed", True, ({"weights": [1.0]},)),
                     ("finished", True, ())]
    assert not host.is_running() and repr(host) == "EchoHost(running=False)"


@pytest.mark.parametrize("error, signal, message", [
    (cnn.MnistNotFoundError("no MNIST in /nowhere"), "mnist_not_found", "no MNIST in /nowhere"),
    (cnn.MnistFormatError("bad magic"), "failed", "The MNIST files are damaged: bad magic"),
    (ValueError("odd"), "failed", "Echo failed: ValueError: odd"),
])
def test_a_worker_reports_an_error_as_a_signal_then_finishes(qtbot, error, signal, message):
    host = EchoHost()
    heard = record(host)
    with qtbot.waitSignal(host.finished, timeout=TIMEOUT_MS):
        host.start(error=error)
    assert heard == [(signal, True, (message,)), ("finished", True, ())]


def test_shutdown_stops_joins_and_finishes_once(qtbot):
    host = EchoHost()
    heard = record(host)
    host.start(wait_for_stop=True)
    thread = host._thread
    host.shutdown()
    assert thread.isFinished() and not host.is_running()
    qtbot.wait(50)  # the thread's own finished arrives now, and is ignored
    assert [name for name, _, _ in heard].count("finished") == 1
    assert all(on_main for _, on_main, _ in heard)


def test_each_run_gets_a_fresh_stop_event(qtbot):
    host = EchoHost()
    host.stop()
    with qtbot.waitSignal(host.finished, timeout=TIMEOUT_MS):
        host.start()
    assert isinstance(host._stop, threading.Event) and not host._stop.is_set()


def test_many_runs_in_a_row_end_cleanly(qtbot):
    # While the worker was deleted on its own thread (deleteLater), the end of a run now and then
    # crashed or deadlocked PySide; the host now drops it on the main thread after the join.
    host = EchoHost()
    for _ in range(40):
        with qtbot.waitSignal(host.finished, timeout=TIMEOUT_MS):
            host.start()
    assert not host.is_running()
