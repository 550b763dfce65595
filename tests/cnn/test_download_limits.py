"""The downloader's limits against local mirrors that misbehave on purpose (``local_mirrors.py``):
the size cap, the deadline, the silence timeout, and cancelling, even during a stalled read."""
import threading
import time
from types import SimpleNamespace

import pytest
from local_mirrors import NAMES, assert_complete, assert_nothing_left, local, served  # noqa: F401

from cnn import download
from cnn.download import DownloadCancelled, DownloadError, download_mnist


def test_an_endless_body_stops_at_the_cap_and_never_exceeds_it_on_disk(tmp_path, local):
    cap = download.MAX_BYTES[NAMES[0]]
    seen = []  # (bytes reported, bytes in the .part file) while the endless mirror streams

    def progress(name, done, total):
        part = tmp_path / (name + ".part")
        if total is None:  # the endless mirror sends no length; the good one does
            seen.append((done, part.stat().st_size))

    with pytest.raises(DownloadError, match=f"sent more than the {cap} bytes"):
        download_mnist(tmp_path, progress=progress, mirrors=[f"{local.url}/endless/"])
    assert_nothing_left(tmp_path)
    assert max(done for done, _ in seen) <= cap
    assert max(done for done, _ in seen) > cap - (64 << 10)  # it did read up to the cap
    assert all(on_disk <= done for done, on_disk in seen)


def test_an_announced_length_over_the_cap_is_refused_before_reading(tmp_path, local):
    calls = []
    download_mnist(tmp_path, progress=lambda *a: calls.append(a),
                   mirrors=[f"{local.url}/huge/", f"{local.url}/good/"])
    assert_complete(tmp_path, local.files)
    assert all(total != 10**12 for _, _, total in calls)  # not even the 0-byte report


def test_a_trickle_hits_the_deadline_however_steady(tmp_path, local):
    start = time.monotonic()
    download_mnist(tmp_path, mirrors=[f"{local.url}/trickle/", f"{local.url}/good/"], deadline=2)
    assert 2 <= time.monotonic() - start < 2 + 28  # well short of the 30 s a trickle lasts
    assert_complete(tmp_path, local.files)


@pytest.mark.parametrize("stall", ["stall_headers", "stall_body"])
def test_cancel_during_a_stalled_read_returns_promptly(tmp_path, served, stall):
    """The server falls silent for a minute; only the cancel can end the download soon."""
    cancel, cancelled_at = threading.Event(), []

    def cancel_once_stalled():
        if served.stalled.wait(10):
            time.sleep(0.5)  # the client is blocked in its read by now
            cancelled_at.append(time.monotonic())
            cancel.set()

    helper = threading.Thread(target=cancel_once_stalled)
    helper.start()
    try:
        with pytest.raises(DownloadCancelled):
            download_mnist(tmp_path, cancel=cancel,
                           mirrors=[f"{served.url}/{stall}/", f"{served.url}/good/"])
        returned_at = time.monotonic()
    finally:
        helper.join()
    assert returned_at - cancelled_at[0] < 5  # it polls every 0.25 s; 5 s is for busy machines
    assert_nothing_left(tmp_path)
    assert served.requests == [(stall, NAMES[0])]  # a cancel tries no other mirror


def test_a_cancel_set_beforehand_asks_no_mirror(tmp_path, local):
    already = SimpleNamespace(is_set=lambda: True)  # any object with is_set() will do
    with pytest.raises(DownloadCancelled):
        download_mnist(tmp_path, cancel=already, mirrors=[local.url + "/good/"])
    assert local.requests == []
    assert_nothing_left(tmp_path)


def test_cancel_between_files_keeps_the_verified_ones(tmp_path, local):
    cancel = threading.Event()

    def progress(name, done, total):
        if name == NAMES[1] and done == total:
            cancel.set()  # while the second file is being verified

    with pytest.raises(DownloadCancelled):
        download_mnist(tmp_path, progress=progress, cancel=cancel, mirrors=[local.url + "/good/"])
    assert_complete(tmp_path, {name: local.files[name] for name in NAMES[:2]})

def test_a_silent_mirror_times_out(tmp_path, local):
    with pytest.raises(DownloadError, match="timed out"):
        download_mnist(tmp_path, mirrors=[f"{local.url}/slow/"], timeout=0.2)
    assert_nothing_left(tmp_path)


def test_raising_from_progress_cancels_without_leftovers(tmp_path, local):
    class Cancelled(Exception):
        pass

    def progress(name, done, total):
        if done:
            raise Cancelled

    with pytest.raises(Cancelled):
        download_mnist(tmp_path, progress=progress, mirrors=[local.url + "/good/"])
    assert_nothing_left(tmp_path)

