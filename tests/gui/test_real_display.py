"""The window on a real X display (Xvfb, Qt's xcb platform), and the one-line messages when it can't open."""
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import gui

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120  # seconds; generous, the CI machine is busy

# Run in a fresh process with QT_QPA_PLATFORM=xcb: build the real window, draw a "1" with mouse events.
DRAW_ONE = """
import shiboken6
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from gui.application import create_window, limit_blas_threads
from tools.mouse import draw_stroke

limit_blas_threads()
app = QApplication(["digit-draw"])
window = create_window()
window.show()
assert QTest.qWaitForWindowExposed(window, 60_000), "the window was never exposed"
draw_stroke(window.canvas, [(0.5, 0.15 + 0.7 * i / 29) for i in range(30)])
app.processEvents()
print("platform", app.platformName())
print("prediction", window.latest_result.digit, f"{window.latest_result.confidence:.3f}", flush=True)
window.close()
shiboken6.delete(window)
"""


@pytest.fixture
def x_display():
    """``:N`` of a fresh Xvfb, which picks a free display number itself (-displayfd)."""
    if not shutil.which("Xvfb"):
        if os.environ.get("CI") == "true":
            pytest.fail("Xvfb is missing: CI must open the real window (.ci/run installs xvfb)")
        pytest.skip("Xvfb is not installed (apt-get install xvfb); CI runs this test")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1366x768x24",
                               "-nolisten", "tcp"], pass_fds=(write_end,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], TIMEOUT)
        number = os.read(read_end, 64).decode().strip() if ready else ""
        assert number.isdigit(), f"Xvfb did not report a display within {TIMEOUT} s"
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(timeout=TIMEOUT)


def test_the_real_window_opens_on_an_x_display_and_reads_a_drawn_one(x_display):
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": x_display, "PYTHONPATH": str(ROOT)}
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run([sys.executable, "-c", DRAW_ONE], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=TIMEOUT)
    assert "Could not load the Qt platform plugin" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert "platform xcb" in result.stdout
    predictions = [line.split() for line in result.stdout.splitlines() if line.startswith("prediction ")]
    assert len(predictions) == 1 and predictions[0][1] == "1", result.stdout


# Before Qt is imported, gui.run says in one line why the window can't open, and returns 1.

X11 = {"DISPLAY": ":0"}


def missing(*sonames):
    return lambda soname: soname not in sonames


@pytest.fixture
def run_without_qt(monkeypatch):
    """``gui.run`` with ``environ`` and a library loader of the test's, and the Qt app stubbed out."""
    started = []
    monkeypatch.setattr("gui.application.run", lambda *args: started.append(args) or 0)

    def run(environ, loadable=lambda soname: True):
        monkeypatch.setattr(gui, "loadable", loadable)
        monkeypatch.setattr(gui, "display_problem", lambda real=gui.display_problem: real(environ, "linux"))
        return gui.run(), started
    return run


def test_missing_xcb_libraries_are_named_with_their_packages(run_without_qt, capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/apt-get")
    code, started = run_without_qt(X11, missing("libxcb-icccm.so.4", "libxcb-keysyms.so.1"))
    assert (code, started) == (1, [])
    assert capsys.readouterr().err == \
        "app.py: the window needs these libraries: sudo apt-get install libxcb-icccm4 libxcb-keysyms1\n"


def test_without_apt_the_missing_libraries_are_named_by_file(run_without_qt, capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    code, _ = run_without_qt({"QT_QPA_PLATFORM": "xcb", **X11}, missing("libxcb-cursor.so.0"))
    assert code == 1
    assert capsys.readouterr().err == "app.py: the window needs these libraries: libxcb-cursor.so.0\n"


def test_every_library_maps_to_a_package_and_two_sonames_share_one():
    assert all(package and " " not in package for package in gui.XCB_LIBRARIES.values())
    assert gui.XCB_LIBRARIES["libgthread-2.0.so.0"] == gui.XCB_LIBRARIES["libglib-2.0.so.0"]


@pytest.mark.parametrize("environ, unset", [
    ({}, "neither DISPLAY nor WAYLAND_DISPLAY is set"),
    ({"QT_QPA_PLATFORM": "xcb"}, "DISPLAY is not set"),
    ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, "DISPLAY is not set"),
])
def test_no_display_at_all_is_one_line(run_without_qt, capsys, environ, unset):
    code, started = run_without_qt(environ, missing("libxcb-icccm.so.4"))
    assert (code, started) == (1, [])
    err = capsys.readouterr().err
    assert err.startswith("app.py: there is no display") and f"({unset})" in err and err.count("\n") == 1


@pytest.mark.parametrize("environ", [
    {**X11},  # everything loads
    {"QT_QPA_PLATFORM": "offscreen"},  # needs no display and no xcb libraries
    {"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-0", **X11},
    {"WAYLAND_DISPLAY": "wayland-0", **X11},  # Qt prefers Wayland here
])
def test_the_window_starts_when_nothing_is_missing_or_xcb_is_not_used(run_without_qt, capsys, environ):
    broken = (lambda soname: True) if environ == X11 else missing("libxcb-icccm.so.4")
    code, started = run_without_qt(environ, broken)
    assert (code, len(started)) == (0, 1)
    assert capsys.readouterr().err == ""


def test_the_real_check_passes_where_the_libraries_are_installed():
    if not sys.platform.startswith("linux"):
        pytest.skip("the xcb check is Linux only")
    if os.environ.get("CI") != "true" and not all(map(gui.loadable, gui.XCB_LIBRARIES)):
        pytest.skip("this machine lacks some of the window's libraries; CI installs them all")
    assert gui.display_problem({"QT_QPA_PLATFORM": "xcb", **X11}, "linux") is None
