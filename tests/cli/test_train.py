"""``app.py train`` on the small synthetic MNIST: in-process through ``app.main``, signals in a subprocess."""
import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import app
import cli.train
import cnn
from tests import synthetic_mnist

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mnist(tmp_path_factory):
    """1,536 training images: 24 batches of 64, enough for the recipe's chance-level check."""
    return str(synthetic_mnist.write_idx(tmp_path_factory.mktemp("mnist"), synthetic_mnist.make(1536, 128)))


def train(mnist, *args):
    return app.main(["train", "--data-dir", mnist, "--limit", "512", "--epochs", "2", *args])


def one_error_line(capsys):
    """The one error line on stderr (a piped run also logs its progress there)."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1 and lines[0].startswith("app.py") and "Traceback" not in err, err
    return lines[0]


def test_a_default_run_saves_the_best_epoch_and_its_record(mnist, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert train(mnist) == 0
    out = capsys.readouterr().out
    assert "on a random 512 of 1,536 images for 2 epochs" in out
    assert len([line for line in out.splitlines() if line.startswith("epoch ")]) == 2
    model, meta = cnn.load_model(tmp_path / cli.train.DEFAULT_OUT)
    record = meta["training"]
    assert record["best_epoch"] in (1, 2) and record["epochs"] == 2 and record["train_images"] == 512
    assert record["trained_in"] == "cli" and record["stopped_early"] is False
    (_, _), (x_test, y_test) = cnn.load_mnist("train", mnist), cnn.load_mnist("test", mnist)
    again = cnn.evaluate(model, x_test, y_test, prepare=cnn.make_prepare(meta["normalization"]))
    assert again.accuracy == record["test_accuracy"] > 0.5  # the file holds the epoch its record names


def test_one_epoch_is_singular(mnist, tmp_path, capsys):
    assert train(mnist, "--epochs", "1", "--out", str(tmp_path / "w.npz")) == 0
    assert "for 1 epoch (" in capsys.readouterr().out


def test_workers_default_to_the_usable_cores_and_can_be_pinned(mnist, tmp_path, capsys, monkeypatch):
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("this OS has no CPU affinity")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})  # three usable cores
    assert train(mnist, "--epochs", "1", "--out", str(tmp_path / "a.npz")) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("batch 64, 3 threads)")
    assert train(mnist, "--epochs", "1", "--workers", "1", "--out", str(tmp_path / "b.npz")) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("batch 64, 1 thread)")


def test_a_piped_run_logs_every_tenth_of_an_epoch(mnist, tmp_path, capsys):
    assert train(mnist, "--epochs", "1", "--limit", "1280", "--out", str(tmp_path / "w.npz")) == 0
    steps = [line for line in capsys.readouterr().err.splitlines() if line.startswith("epoch 1/1: ")]
    assert [line.split()[2] for line in steps] == [f"{p}%" for p in range(10, 100, 10)]


def test_an_existing_out_is_kept_unless_forced(mnist, tmp_path, capsys):
    out = tmp_path / "w.npz"
    out.write_bytes(b"precious")
    assert train(mnist, "--out", str(out)) == 2
    assert "exists; use --force" in one_error_line(capsys)
    assert out.read_bytes() == b"precious"
    assert train(mnist, "--out", str(out), "--force") == 0
    assert cnn.load_model(out)[1]["training"]["train_images"] == 512


def test_the_shipped_weights_are_never_replaced_even_with_force(mnist, tmp_path, capsys, monkeypatch):
    shipped = tmp_path / "shipped" / "digitnet.npz"
    shipped.parent.mkdir()
    shipped.write_bytes(b"the shipped weights")
    monkeypatch.setattr(cli.train, "SHIPPED_WEIGHTS", shipped)
    monkeypatch.chdir(shipped.parent)
    assert train(mnist, "--out", "./digitnet.npz", "--force") == 2  # another spelling of the same file
    assert "shipped weights" in one_error_line(capsys)
    assert shipped.read_bytes() == b"the shipped weights"


def test_a_diverging_run_exits_1_and_keeps_the_existing_file(mnist, tmp_path, capsys):
    out = tmp_path / "w.npz"
    out.write_bytes(b"precious")
    code = app.main(["train", "--data-dir", mnist, "--limit", "1536", "--batch-size", "64", "--epochs", "2",
                     "--lr", "1000", "--out", str(out), "--force"])
    assert code == 1
    line = one_error_line(capsys)
    assert line.startswith("app.py train: error: training diverged:") and "nothing saved" in line
    assert out.read_bytes() == b"precious"


def test_weights_at_chance_level_are_never_written(mnist, tmp_path, capsys, monkeypatch):
    # A run too short for the recipe to call it divergence can still end with useless weights.
    real = cnn.run_training

    def at_chance(*args, **kwargs):
        result = real(*args, **kwargs)
        result.best.val_accuracy = 0.09
        return result

    monkeypatch.setattr(cnn, "run_training", at_chance)
    out = tmp_path / "w.npz"
    assert train(mnist, "--out", str(out)) == 1
    assert "chance level" in one_error_line(capsys)
    assert not out.exists()


def unwritable_outputs(tmp_path):
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-folder").mkdir()
    return {"missing folder": (tmp_path / "no" / "w.npz", "does not exist"),
            "parent is a file": (tmp_path / "a-file" / "w.npz", "is a file"),
            "a folder": (tmp_path / "a-folder", "is a folder")}


@pytest.mark.parametrize("flag", ["--out", "--plot"])
@pytest.mark.parametrize("case", ["missing folder", "parent is a file", "a folder"])
def test_unwritable_outputs_are_refused_before_loading_mnist(flag, case, tmp_path, capsys):
    path, fragment = unwritable_outputs(tmp_path)[case]
    others = ["--out", str(tmp_path / "w.npz")] if flag == "--plot" else []
    # a missing MNIST would be the error if the outputs were checked after loading it
    code = app.main(["train", "--data-dir", str(tmp_path / "no-mnist"), *others, flag, str(path)])
    assert code == 2
    line = one_error_line(capsys)
    assert flag in line and fragment in line
    assert capsys.readouterr().out == ""


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused(tmp_path, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert app.main(["train", "--data-dir", str(tmp_path / "no-mnist"), "--out", str(folder / "w.npz")]) == 2
        assert "cannot write in" in one_error_line(capsys)
    finally:
        folder.chmod(0o755)


def test_a_failed_save_puts_the_weights_elsewhere_and_says_where(mnist, tmp_path, monkeypatch, capsys):
    out, rescue = tmp_path / "w.npz", tmp_path / "rescue"
    rescue.mkdir()
    real_save = cnn.save_weights

    def disk_full_at_out(path, model, meta=None):
        if Path(path) == out:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real_save(path, model, meta)

    monkeypatch.setattr(cnn, "save_weights", disk_full_at_out)
    monkeypatch.setattr(tempfile, "tempdir", str(rescue))
    assert train(mnist, "--out", str(out)) == 1
    line = one_error_line(capsys)
    [saved] = rescue.glob("w-*.npz")
    assert "No space left on device" in line and f"saved to {saved} instead" in line
    assert cnn.load_model(saved)[1]["training"]["train_images"] == 512


def test_a_plot_that_cannot_be_written_is_an_error_after_the_weights_are_saved(mnist, tmp_path, monkeypatch,
                                                                              capsys, qapp):
    out, folder = tmp_path / "w.npz", tmp_path / "plots"
    folder.mkdir()
    real_run = cnn.run_training

    def run_then_remove_the_folder(*args, **kwargs):
        result = real_run(*args, **kwargs)
        shutil.rmtree(folder)  # gone between the check and the export
        return result

    monkeypatch.setattr(cnn, "run_training", run_then_remove_the_folder)
    assert train(mnist, "--out", str(out), "--plot", str(folder / "curve.png")) == 1
    captured = capsys.readouterr()
    assert "plot written" not in captured.out and cnn.load_model(out)
    lines = [line for line in captured.err.splitlines() if "error" in line]
    assert len(lines) == 1 and "--plot" in lines[0]


def test_a_plot_is_written(mnist, tmp_path, capsys, qapp):
    plot = tmp_path / "curve.png"
    assert train(mnist, "--out", str(tmp_path / "w.npz"), "--plot", str(plot)) == 0
    assert f"plot written to {plot}" in capsys.readouterr().out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, fragment", [
    (["train", "--seed", "-1"], "--seed: must be at least 0"),
    (["train", "--batch-size", "1000000000"], "--batch-size: must be from 1 to 4,096"),
    (["train", "--limit", "0"], "--limit"),
    (["train", "--epochs", "two"], "--epochs"),
    (["train", "--optimizer", "rmsprop"], "--optimizer"),
    (["train", "--workers", "0"], "--workers: must be from 1 to 64"),
    (["train", "--learning-rate", "3"], "unrecognized arguments"),
    (["trian"], "invalid choice"),
])
def test_argument_mistakes_are_one_line_and_exit_2(args, fragment, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        app.main([*args, "--data-dir", str(tmp_path / "no-mnist")])  # never trains, even if accepted
    assert exit_.value.code == 2
    line = one_error_line(capsys)
    assert "error:" in line and fragment in line


def test_a_config_the_recipe_rejects_is_a_usage_error(mnist, monkeypatch, capsys):
    monkeypatch.setattr(cnn.recipe, "MAX_BATCH_SIZE", 32)  # a limit argparse does not know about
    assert train(mnist, "--batch-size", "64") == 2
    assert "batch_size" in one_error_line(capsys)
    assert capsys.readouterr().out == ""


def start_training(mnist, out, *extra):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen([sys.executable, str(ROOT / "app.py"), "train", "--data-dir", mnist, "--limit", "512",
                             "--epochs", "500", "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def wait_for_line(stream, prefix, timeout=120):
    deadline = time.monotonic() + timeout
    for line in stream:
        if line.startswith(prefix):
            return line
        assert time.monotonic() < deadline, f"no line starting {prefix!r} within {timeout} s"
    raise AssertionError(f"the stream ended before a line starting {prefix!r}")


unix_signals = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@unix_signals
@pytest.mark.parametrize("name, code", [("SIGTERM", 143), ("SIGHUP", 129), ("SIGINT", 130)])
def test_a_signal_stops_after_the_batch_and_saves_the_best_epoch(mnist, tmp_path, name, code):
    out = tmp_path / "w.npz"
    proc = start_training(mnist, out)
    wait_for_line(proc.stdout, "epoch  1/500")
    proc.send_signal(getattr(signal, name))
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    assert "stopping after this batch" in stderr and "Traceback" not in stderr
    assert f"saved {out}" in stdout
    training = cnn.load_model(out)[1]["training"]
    assert training["stopped_early"] is True and 1 <= training["best_epoch"] < 500


@unix_signals
def test_a_second_ctrl_c_stops_at_once(mnist, tmp_path):
    proc = start_training(mnist, tmp_path / "w.npz", "--batch-size", "512")  # slow batches: it is mid-batch
    wait_for_line(proc.stdout, "epoch  1/500")
    proc.send_signal(signal.SIGINT)
    wait_for_line(proc.stderr, "SIGINT: stopping after this batch")
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "stopped at once by a second SIGINT" in stderr and "Traceback" not in stderr


@unix_signals
def test_a_second_signal_while_the_weights_are_written_waits_for_the_write(monkeypatch, capfd):
    exits = []
    monkeypatch.setattr(os, "_exit", exits.append)  # where a real second signal ends the process
    with cli.train._Signals() as signals:
        signal.raise_signal(signal.SIGTERM)  # to this thread: handled before the next line
        assert signals.stop.is_set() and exits == []
        with signals.deferred():
            signals.saved = "w.npz"
            signal.raise_signal(signal.SIGINT)
            assert exits == []
        assert exits == [130]
    assert signals.exit_code == 128 + signal.SIGTERM
    err = capfd.readouterr().err
    assert "SIGTERM: stopping after this batch" in err
    assert "stopped at once by a second SIGINT; the weights are in w.npz" in err
