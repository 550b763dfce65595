"""The command line, driven as a user would: real subprocesses, real files, real MNIST."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import cnn

ROOT = Path(__file__).resolve().parents[2]


def app(*args, timeout=300, **kwargs):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=kwargs.get("cwd", ROOT))


def require_mnist():
    if not os.environ.get("MNIST_DIR"):
        pytest.skip("MNIST_DIR is not set (CI sets it)")


@pytest.mark.parametrize("command", [[], ["train"], ["evaluate"], ["predict"], ["download"]])
def test_every_command_has_help(command):
    result = app(*command, "--help")
    assert result.returncode == 0
    assert "usage: app.py" in result.stdout


@pytest.mark.parametrize("args, fragment", [
    (["train", "--epochs", "0"], "--epochs"),
    (["train", "--lr", "nan"], "--lr"),
    (["train", "--batch-size", "many"], "--batch-size"),
    (["train", "--seed", "-1"], "--seed"),
    (["train", "--batch-size", "1000000000"], "--batch-size"),
    (["evaluate", "--no-such-flag"], "unrecognized arguments"),
    (["no-such-command"], "invalid choice"),
    (["evaluate", "--weights", "missing.npz"], "missing.npz: no such file"),
    (["train", "--data-dir", "/nonexistent/mnist"], "MNIST data not found"),
    (["predict", "no-such-image.png"], "no-such-image.png"),
    (["train", "--plot", "/no/such/folder/curve.png"], "--plot"),
    (["train", "--out", "/tmp"], "is a folder"),
])
def test_user_mistakes_print_one_line_and_exit_2(args, fragment, tmp_path):
    result = app(*args, cwd=tmp_path)  # where train's default --out cannot already exist
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("app.py") and "error: " in lines[0] and fragment in lines[0]


def test_damaged_weights_file_is_a_user_error(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(os.urandom(500))
    result = app("evaluate", "--weights", str(bad))
    assert result.returncode == 2
    assert str(bad) in result.stderr and "Traceback" not in result.stderr


def test_train_saves_best_weights_plot_and_summary(tmp_path):
    require_mnist()
    out, plot = tmp_path / "w.npz", tmp_path / "curve.png"
    result = app("train", "--epochs", "2", "--limit", "1500", "--augment", "--seed", "3",
                 "--out", str(out), "--plot", str(plot))
    assert result.returncode == 0, result.stderr
    assert "on a random 1,500 of 60,000 images" in result.stdout
    epoch_lines = [line for line in result.stdout.splitlines() if line.startswith("epoch")]
    assert len(epoch_lines) == 2 and "test loss" in epoch_lines[0] and "img/s" in epoch_lines[0]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model, meta = cnn.load_model(out)
    summary = meta["training"]
    assert summary["seed"] == 3 and summary["augment"] is True and summary["train_images"] == 1500
    assert 0.5 < summary["test_accuracy"] <= 1.0
    evaluated = app("evaluate", "--weights", str(out))
    assert evaluated.returncode == 0
    assert f"test accuracy {summary['test_accuracy']:.2%}" in evaluated.stdout
    assert "true\\pred" in evaluated.stdout


def test_ctrl_c_stops_after_the_batch_and_keeps_the_best_epoch(tmp_path):
    require_mnist()
    out = tmp_path / "w.npz"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "train", "--epochs", "50", "--limit", "1000",
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    deadline = time.monotonic() + 240
    for line in proc.stdout:
        if line.startswith("epoch  1/50") or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr  # 128 + SIGINT, after saving
    assert "stopping after this batch" in stderr and "Traceback" not in stderr
    _, meta = cnn.load_model(out)
    assert meta["training"]["stopped_early"] is True
    assert 1 <= meta["training"]["best_epoch"] < 50


def test_predict_reads_a_drawn_digit(tmp_path, qapp):
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QImage, QPainter, QPen

    image = QImage(200, 200, QImage.Format_RGB32)
    image.fill(Qt.white)
    painter = QPainter(image)
    painter.setPen(QPen(Qt.black, 14, Qt.SolidLine, Qt.RoundCap))
    painter.drawLine(QPointF(100, 30), QPointF(100, 170))  # a "1"
    painter.end()
    path = tmp_path / "one.png"
    assert image.save(str(path))
    result = app("predict", str(path))
    assert result.returncode == 0, result.stderr
    digit = result.stdout.split(":")[1].split()[0]
    probabilities = [float(part.split(":")[1]) for part in result.stdout.split()[3:]]
    assert digit == "1"
    assert len(probabilities) == 10 and abs(sum(probabilities) - 1) < 0.01


def test_predict_blank_image_says_so(tmp_path, qapp):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    image = QImage(50, 50, QImage.Format_RGB32)
    image.fill(Qt.white)
    path = tmp_path / "blank.png"
    image.save(str(path))
    result = app("predict", str(path))
    assert result.returncode == 1 and "no digit found" in result.stdout


def test_download_keeps_valid_files_without_network(tmp_path):
    require_mnist()
    folder = tmp_path / "mnist"
    folder.mkdir()
    for f in Path(os.environ["MNIST_DIR"]).glob("*.gz"):
        (folder / f.name).write_bytes(f.read_bytes())
    result = app("download", "--data-dir", str(folder))
    assert result.returncode == 0, result.stderr
    assert str(folder) in result.stdout
    assert not list(folder.glob("*.part"))


def test_a_diverging_run_reports_one_line_and_exits_1(tmp_path):
    require_mnist()
    result = app("train", "--optimizer", "sgd", "--lr", "10000", "--limit", "512", "--epochs", "2",
                 "--out", str(tmp_path / "w.npz"))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(error_lines) == 1 and "training diverged: the loss became" in error_lines[0]
    assert not (tmp_path / "w.npz").exists()
