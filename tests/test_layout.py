"""The layout rules a newcomer relies on: short gui files, features in their folders, cli apart from gui."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_gui_files_are_short_and_the_top_level_small():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "gui").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 250}
    assert long == {}
    assert len(list((ROOT / "gui").glob("*.py"))) <= 12


def test_drawing_training_and_inspecting_each_have_one_folder():
    for feature, must_hold in {"draw": "canvas.py", "train": "job.py", "inspect": "controller.py"}.items():
        assert (ROOT / "gui" / feature / must_hold).is_file()


def test_cli_imports_nothing_from_gui():
    offenders = [(p.name, m) for p in (ROOT / "cli").glob("*.py") for m in imported_modules(p)
                 if m == "gui" or m.startswith("gui.") or m.startswith("PySide6") and p.name != "plot.py"]
    assert offenders == []


def test_cnn_imports_no_qt_and_no_gui():
    offenders = [(p.name, m) for p in (ROOT / "cnn").rglob("*.py") for m in imported_modules(p)
                 if m.split(".")[0] in ("gui", "PySide6", "pyqtgraph", "shiboken6")]
    assert offenders == []
