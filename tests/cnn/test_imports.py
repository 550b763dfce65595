"""The computing core never imports Qt, pyqtgraph or the GUI package."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("PySide6", "pyqtgraph", "gui")

PROBE = """
import importlib, json, pkgutil, sys
import cnn
after_package = sorted(sys.modules)
for info in pkgutil.walk_packages(cnn.__path__, "cnn."):
    importlib.import_module(info.name)
print(json.dumps({"package": after_package, "all": sorted(sys.modules),
                  "submodules": [m for m in sys.modules if m.startswith("cnn.")]}))
"""


def loaded_modules():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def offenders(modules):
    return [m for m in modules if m.split(".")[0] in FORBIDDEN]


def test_import_cnn_leaves_qt_and_gui_out():
    modules = loaded_modules()
    assert "numpy" in modules["package"]  # the probe really imported the package
    assert offenders(modules["package"]) == []
    assert len(modules["submodules"]) >= 10  # every submodule was imported by the walk
    assert offenders(modules["all"]) == []


def test_offender_filter_would_notice_qt():
    assert offenders(["PySide6.QtCore", "gui.window", "numpy", "guidance", "cnn.gui_free"]) == \
        ["PySide6.QtCore", "gui.window"]
