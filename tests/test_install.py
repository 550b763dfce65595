"""Installed like a program: the wheel holds every package and the shipped weights, and its
``digit-draw`` works from any folder; nothing needs a Unix-only module just to start."""
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLOW = 900  # seconds per step: pip may download PySide6 on a busy machine
WHEEL_TOP_LEVEL = {"cli", "cnn", "gui", "digit_draw"}  # never "app" or "weights"

# Unix-only standard modules (Windows has none of them). Blocked, every module must still import.
UNIX_ONLY = ("resource", "fcntl", "termios", "tty", "pty", "pwd", "grp", "syslog", "curses", "readline")
IMPORT_ALL = f"""
import importlib, pkgutil, sys
for name in {UNIX_ONLY!r}:
    sys.modules[name] = None  # import name -> ImportError, as on Windows
import cnn, cli, gui, digit_draw
for package in (cnn, cli, gui, digit_draw):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
import app
print("imported", len([m for m in sys.modules if m.split(".")[0] in ("cnn", "cli", "gui", "digit_draw")]))
"""


def test_nothing_needs_a_unix_only_module_at_import_time():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", IMPORT_ALL], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) >= 40  # the walk really imported the modules


def test_every_package_folder_is_listed_for_the_wheel():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {".".join(p.parent.relative_to(ROOT).parts) for top in ("cnn", "cli", "gui", "digit_draw")
               for p in (ROOT / top).rglob("__init__.py")}
    assert set(config["packages"]) == folders | {"digit_draw.weights"}
    assert config["package-dir"] == {"digit_draw.weights": "weights"}
    assert (ROOT / "weights" / "__init__.py").is_file()  # a regular package: importlib.resources reads it anywhere


def wheel_test_wanted():
    return os.environ.get("CI") == "true" or os.environ.get("DIGIT_DRAW_TEST_WHEEL") == "1"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A wheel built from a copy of the tree, installed in a new venv outside the checkout."""
    if not wheel_test_wanted():
        pytest.skip("builds and installs the wheel (minutes): runs in CI, or with DIGIT_DRAW_TEST_WHEEL=1")
    base = tmp_path_factory.mktemp("install")
    source = base / "source"  # a copy, so the build leaves no build/ or egg-info in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache"))
    step([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(base / "dist"), str(source)])
    (wheel,) = (base / "dist").glob("digit_draw-*.whl")
    venv = base / "venv"
    step([sys.executable, "-m", "venv", str(venv)])
    scripts = venv / ("Scripts" if os.name == "nt" else "bin")
    step([str(scripts / "python"), "-m", "pip", "install", "-q", str(wheel)])
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return wheel, scripts, elsewhere


def step(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=SLOW, **kwargs)
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


def run_installed(installed, *command):
    _, scripts, elsewhere = installed
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return step([str(scripts / command[0]), *command[1:]], cwd=elsewhere, env=env)


def test_the_wheel_holds_the_packages_and_the_weights_and_no_generic_names(installed):
    names = zipfile.ZipFile(installed[0]).namelist()
    assert {n.split("/")[0] for n in names if ".dist-info/" not in n} == WHEEL_TOP_LEVEL
    assert "digit_draw/weights/digitnet.npz" in names


def test_installed_evaluate_reads_the_shipped_weights(installed, mnist_dir):
    result = run_installed(installed, "digit-draw", "evaluate", "--data-dir", str(mnist_dir.resolve()))
    weights = Path(re.search(r"^weights: (.+)$", result.stdout, re.M).group(1))
    assert weights.parts[-3:] == ("digit_draw", "weights", "digitnet.npz")
    assert ROOT not in weights.parents  # the installed copy, not the checkout's
    accuracy = float(re.search(r"test accuracy ([\d.]+)%", result.stdout).group(1))
    print(f"installed digit-draw evaluate: {accuracy}%")
    assert accuracy >= 99.5


def test_installed_predict_reads_an_mnist_digit(installed, mnist_dir):
    import cnn
    from PIL import Image
    x, y = cnn.load_mnist("test", mnist_dir)
    picture = installed[2] / "digit.png"
    Image.fromarray(x[0]).resize((112, 112)).save(picture)
    result = run_installed(installed, "digit-draw", "predict", "digit.png")
    assert result.stdout.startswith(f"digit.png: {y[0]} (")


def test_installed_window_starts_with_the_shipped_weights_and_no_app_module(installed):
    result = run_installed(installed, "python", "-c", WINDOW_PROBE)
    assert "Weights: shipped weights (digitnet.npz) · test accuracy 99." in result.stdout


WINDOW_PROBE = """
import importlib.util
assert importlib.util.find_spec("app") is None, "a top-level module called app was installed"
import shiboken6
from PySide6.QtWidgets import QApplication
from gui.application import create_window
qapp = QApplication([])
window = create_window()
print(window.weights_label.text())
window.close()
shiboken6.delete(window)
"""
