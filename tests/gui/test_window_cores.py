"""The window's training shares the cores: all of them while the user isn't drawing, one fewer
from their first pen move until a second after their last."""
import dataclasses

from gui.train import cores as cores_module
from gui.train.cores import CoreShare
from tests.gui.conftest import SMALL_RUN
from tools.mouse import draw_stroke

TIMEOUT_MS = 120_000


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_drawing_lends_one_core_back_until_the_hold_runs_out():
    clock = Clock()
    share = CoreShare(cores=4, clock=clock)
    assert share.workers_now() == 4 and not share.drawing()
    share.user_busy()
    assert share.drawing() and share.workers_now() == 3
    clock.now += cores_module.HOLD_SECONDS * 0.9
    assert share.workers_now() == 3
    share.user_busy()  # each move renews the hold
    clock.now += cores_module.HOLD_SECONDS * 0.9
    assert share.workers_now() == 3
    clock.now += cores_module.HOLD_SECONDS * 0.2
    assert share.workers_now() == 4


def test_one_core_is_never_lent_away():
    share = CoreShare(cores=1, clock=Clock())
    share.user_busy()
    assert share.workers_now() == 1


def test_pen_moves_on_the_canvas_mark_the_user_busy(window):
    share = window.training.cores
    assert not share.drawing()
    draw_stroke(window.canvas, [(0.3, 0.3), (0.5, 0.6), (0.7, 0.4)])
    assert share.drawing()
    assert share.workers_now() == max(1, share.cores - 1)


def test_a_run_asks_the_share_before_every_batch(window, qtbot):
    asked = []
    share = window.training.cores

    def workers_now():
        asked.append(share.workers_now())
        return asked[-1]

    window.training.cores = type("Spy", (), {"workers_now": staticmethod(workers_now)})()
    config = dataclasses.replace(SMALL_RUN, workers=2)
    with qtbot.waitSignal(window.training.run_ended, timeout=TIMEOUT_MS):
        assert window.training.start(config)
    result = window.training.result
    assert len(result.history.epochs) == 2
    assert len(asked) == sum(e.batches for e in result.history.epochs) == 16
