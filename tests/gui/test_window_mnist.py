"""No MNIST: the window offers to download it or to choose its folder, and copes with failures."""
import cnn

TIMEOUT_MS = 120_000


def press(banner, caption_start):
    [button] = [b for b in banner.buttons if b.text().startswith(caption_start)]
    button.click()


def start_without_mnist(make_window, tmp_path, qtbot):
    empty = tmp_path / "empty"
    empty.mkdir()
    window = make_window(data_dir=str(empty))
    with qtbot.waitSignal(window.training.trainer.finished, timeout=TIMEOUT_MS):
        window.training_panel.start_button.click()
    return window


def test_missing_mnist_offers_download_and_folder(make_window, tmp_path, qtbot):
    window = start_without_mnist(make_window, tmp_path, qtbot)
    banner = window.banner
    assert banner.isVisible() and banner.kind == "notice"
    assert "MNIST" in banner.text
    assert [b.text() for b in banner.buttons] == ["Download MNIST (11 MB)", "Choose folder…"]
    assert window.training_panel.start_button.isEnabled()


def test_choosing_the_folder_starts_training(make_window, tmp_path, qtbot, dialogs, mnist_dir):
    window = start_without_mnist(make_window, tmp_path, qtbot)
    dialogs.folder = mnist_dir
    with qtbot.waitSignal(window.training.trainer.finished, timeout=TIMEOUT_MS):
        press(window.banner, "Choose folder")
    assert window.training.data_dir == str(mnist_dir)
    assert window.plots.epoch_count == 2


def test_choosing_a_folder_without_mnist_says_so(make_window, tmp_path, qtbot, dialogs):
    window = start_without_mnist(make_window, tmp_path, qtbot)
    dialogs.folder = tmp_path
    press(window.banner, "Choose folder")
    assert window.banner.kind == "error" and "does not hold MNIST" in window.banner.text
    assert not window.training.trainer.is_running()


def test_a_failed_download_is_shown_with_retry(make_window, tmp_path, qtbot, monkeypatch):
    calls = []

    def offline(dest, progress=None):
        calls.append(dest)
        progress("train-images-idx3-ubyte.gz", 0, 9_912_422)
        progress("train-images-idx3-ubyte.gz", 65_536, 9_912_422)
        raise cnn.DownloadError("could not reach any MNIST mirror — are you offline?")

    monkeypatch.setattr(cnn, "download_mnist", offline)
    window = start_without_mnist(make_window, tmp_path, qtbot)
    progress = []
    window.training.downloader.progressed.connect(lambda *args: progress.append(args))
    with qtbot.waitSignal(window.training.downloader.finished, timeout=TIMEOUT_MS):
        press(window.banner, "Download")
        assert not window.start_action.isEnabled()
    assert calls == [tmp_path / "empty"]  # into the folder the window was told to use
    assert progress[-1] == ("train-images-idx3-ubyte.gz", 65_536, 9_912_422)
    assert window.banner.kind == "error" and "offline" in window.banner.text
    assert [b.text() for b in window.banner.buttons] == ["Retry", "Choose folder…"]
    assert window.start_action.isEnabled()


def test_a_finished_download_resumes_training(make_window, tmp_path, qtbot, monkeypatch, mnist_dir):
    monkeypatch.setattr(cnn, "download_mnist", lambda dest, progress=None: mnist_dir)
    window = start_without_mnist(make_window, tmp_path, qtbot)
    with qtbot.waitSignal(window.training.trainer.finished, timeout=TIMEOUT_MS):
        press(window.banner, "Download")
    assert window.training.data_dir == str(mnist_dir)
    assert window.plots.epoch_count == 2


def test_closing_during_a_download_cancels_and_joins_it(make_window, tmp_path, qtbot, monkeypatch):
    import threading
    started = threading.Event()

    def slow(dest, progress=None):
        started.set()
        while True:  # like a real download: progress per chunk, and the callback may cancel
            progress("train-images-idx3-ubyte.gz", 0, 100)
            threading.Event().wait(0.01)

    monkeypatch.setattr(cnn, "download_mnist", slow)
    window = start_without_mnist(make_window, tmp_path, qtbot)
    press(window.banner, "Download")
    assert started.wait(10)
    thread = window.training.downloader._thread
    window.close()
    assert thread.isFinished() and not window.training.downloader.is_running()
