"""No MNIST: the window offers to download it or to choose its folder, and copes with failures."""
import threading

import cnn
from tests import synthetic_mnist

TIMEOUT_MS = 120_000


def press(banner, caption_start):
    [button] = [b for b in banner.buttons if b.text().startswith(caption_start)]
    button.click()


def start_without_mnist(make_window, tmp_path, qtbot):
    empty = tmp_path / "empty"
    empty.mkdir()
    window = make_window(data_dir=str(empty))
    with qtbot.waitSignal(window.training.run_ended, timeout=TIMEOUT_MS):
        window.training_view.start_button.click()
    return window


def synthetic_folder(tmp_path):
    return synthetic_mnist.write_idx(tmp_path / "mnist", synthetic_mnist.make(600, 600))


def test_missing_mnist_offers_download_and_folder(make_window, tmp_path, qtbot):
    window = start_without_mnist(make_window, tmp_path, qtbot)
    banner = window.banner
    assert banner.isVisible() and banner.kind == "notice"
    assert "MNIST" in banner.text
    assert [b.text() for b in banner.buttons] == ["Download MNIST (11 MB)", "Choose folder…"]
    assert window.training_view.start_button.isEnabled()


def test_choosing_the_folder_starts_training(make_window, tmp_path, qtbot, dialogs):
    window = start_without_mnist(make_window, tmp_path, qtbot)
    dialogs.folder = synthetic_folder(tmp_path)
    with qtbot.waitSignal(window.training.run_ended, timeout=TIMEOUT_MS):
        press(window.banner, "Choose folder")
    assert window.mnist.data_dir == str(dialogs.folder)
    assert window.plots.epoch_count == 2


def test_choosing_a_folder_without_mnist_says_so(make_window, tmp_path, qtbot, dialogs):
    window = start_without_mnist(make_window, tmp_path, qtbot)
    dialogs.folder = tmp_path
    press(window.banner, "Choose folder")
    assert window.banner.kind == "error" and "does not hold MNIST" in window.banner.text
    assert not window.training.is_running()


def test_a_failed_download_is_shown_with_retry(make_window, tmp_path, qtbot, monkeypatch):
    calls, go_on = [], threading.Event()

    def offline(dest, progress=None, cancel=None):
        calls.append(dest)
        progress("train-images-idx3-ubyte.gz", 0, 9_912_422)
        progress("train-images-idx3-ubyte.gz", 65_536, 9_912_422)
        go_on.wait(60)
        raise cnn.DownloadError("could not reach any MNIST mirror — are you offline?")

    monkeypatch.setattr(cnn, "download_mnist", offline)
    window = start_without_mnist(make_window, tmp_path, qtbot)
    press(window.banner, "Download")
    assert not window.start_action.isEnabled() and not window.training_view.start_button.isEnabled()
    assert not window.training.start()  # nothing trains while MNIST is arriving
    qtbot.waitUntil(lambda: "0.1 of 9.9 MB" in window.banner.text, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(window.mnist.busy_changed, timeout=TIMEOUT_MS) as ended:
        go_on.set()
    assert ended.args == [False]
    assert calls == [tmp_path / "empty"]  # into the folder the window was told to use
    assert window.banner.kind == "error" and "offline" in window.banner.text
    assert [b.text() for b in window.banner.buttons] == ["Retry", "Choose folder…"]
    qtbot.waitUntil(window.start_action.isEnabled, timeout=TIMEOUT_MS)


def test_a_finished_download_resumes_training(make_window, tmp_path, qtbot, monkeypatch):
    folder = synthetic_folder(tmp_path)
    monkeypatch.setattr(cnn, "download_mnist", lambda dest, progress=None, cancel=None: folder)
    window = start_without_mnist(make_window, tmp_path, qtbot)
    with qtbot.waitSignal(window.training.run_ended, timeout=TIMEOUT_MS):
        press(window.banner, "Download")
    assert window.mnist.data_dir == str(folder)
    assert window.plots.epoch_count == 2


def test_test_digits_asked_for_during_a_download_keep_its_banner(make_window, tmp_path, qtbot, monkeypatch):
    release = threading.Event()

    def waiting(dest, progress=None, cancel=None):
        while not (release.is_set() or cancel.is_set()):
            progress("train-images-idx3-ubyte.gz", 10, 100)
            release.wait(0.02)
        raise cnn.DownloadCancelled()

    monkeypatch.setattr(cnn, "download_mnist", waiting)
    window = start_without_mnist(make_window, tmp_path, qtbot)
    press(window.banner, "Download")
    qtbot.waitUntil(lambda: "Downloading train-images" in window.banner.text, timeout=TIMEOUT_MS)
    window.test_digit_action.trigger()  # Ctrl+T
    qtbot.waitUntil(lambda: "not found" in window.test_digit_picker.label.text(), timeout=TIMEOUT_MS)
    window.evaluate_action.trigger()  # Ctrl+E
    qtbot.waitUntil(lambda: "not found" in window.evaluation_view.status_label.text(), timeout=TIMEOUT_MS)
    qtbot.wait(100)  # the download keeps reporting meanwhile
    assert "Downloading" in window.banner.text
    assert [b.text() for b in window.banner.buttons] == ["Cancel"]
    press(window.banner, "Cancel")
    qtbot.waitUntil(lambda: not window.mnist.downloading, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "cancelled" in window.banner.text, timeout=TIMEOUT_MS)


def test_closing_during_a_download_cancels_and_joins_it(make_window, tmp_path, qtbot, monkeypatch):
    started = threading.Event()

    def stalled(dest, progress=None, cancel=None):
        started.set()
        cancel.wait()  # a read that never returns, except that the cancel event ends it
        raise cnn.DownloadCancelled()

    monkeypatch.setattr(cnn, "download_mnist", stalled)
    window = start_without_mnist(make_window, tmp_path, qtbot)
    press(window.banner, "Download")
    assert started.wait(10)
    thread = window.jobs._running["download"].thread
    window.close()
    assert thread.isFinished() and not window.mnist.downloading
