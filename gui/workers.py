"""Running a worker QObject on its own QThread, wired the way the Qt docs (and mu) do it."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Qt, QThread


def start_worker(worker: QObject, on_thread_finished: Callable[[], None], name: str) -> QThread:
    """Move ``worker`` to a new thread and start ``worker.run`` there.

    The worker must have a ``run`` slot and a ``finished`` signal it emits last. The thread quits
    when the worker finishes; both objects delete themselves once the thread has ended, right
    after ``on_thread_finished`` (a main-thread slot that must drop its references to them).
    The caller keeps the returned thread and must ``quit()`` and ``wait()`` it before it goes away.
    """
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # Direct: quit() is thread-safe, and the main thread may be blocked in wait() right now.
    worker.finished.connect(thread.quit, Qt.DirectConnection)
    thread.finished.connect(on_thread_finished)
    thread.finished.connect(worker.deleteLater)
    thread.finished.connect(thread.deleteLater)
    thread.start()
    return thread


def join_thread(thread: QThread | None) -> None:
    """Ask ``thread``'s event loop to end and block until the thread has finished."""
    if thread is not None:
        thread.quit()
        thread.wait()
