"""The real downloader against local HTTP mirrors on 127.0.0.1 (``local_mirrors.py``): what it
fetches, which mirror it falls back to, what it keeps, and what it says when all fail."""
import gzip
import shutil
import socket

import numpy as np
import pytest
from local_mirrors import LIMITS, NAMES, assert_complete, assert_nothing_left, local, serve, served, shut  # noqa: F401

from cnn import download
from cnn.download import DownloadError, content_sha256, download_mnist
from cnn.mnist import load_mnist


def test_downloads_all_four_files(tmp_path, served):
    dest = download_mnist(tmp_path / "new" / "mnist", mirrors=[served.url + "/good"])
    assert_complete(dest, served.files)
    x, y = load_mnist("train", dest)
    assert x.shape == (3, 28, 28) and y.shape == (3,)


def test_progress_reports_every_file_to_the_end(tmp_path, local):
    calls = []
    download_mnist(tmp_path, progress=lambda *a: calls.append(a), mirrors=[local.url + "/good/"])
    for name, data in local.files.items():
        mine = [(done, total) for n, done, total in calls if n == name]
        assert mine[0] == (0, len(data)) and mine[-1] == (len(data), len(data))
        dones = [done for done, _ in mine]
        assert dones == sorted(dones)


def test_unknown_length_is_reported_as_none(tmp_path, local):
    calls = []
    mirrors = [local.url + "/nolength/"]
    download_mnist(tmp_path, progress=lambda *a: calls.append(a), mirrors=mirrors)
    assert_complete(tmp_path, local.files)
    assert {total for _, _, total in calls} == {None}


@pytest.mark.parametrize("bad", ["corrupt", "drop", "missing", "slow", "endless", "huge",
                                 "trickle"])
def test_a_failing_mirror_falls_through_to_the_next(tmp_path, local, bad):
    download_mnist(tmp_path, mirrors=[f"{local.url}/{bad}/", f"{local.url}/good/"],
                   **LIMITS.get(bad, {}))
    assert_complete(tmp_path, local.files)
    # Once a mirror has worked, it is asked first for the remaining files.
    assert [b for b, _ in local.requests] == [bad, "good", "good", "good", "good"]


@pytest.mark.parametrize("bad, reason", [
    ("corrupt", "checksum mismatch"),
    ("drop", "connection closed after"),
    ("missing", "HTTP 404"),
    ("endless", "stopped: sent more than the"),
    ("huge", "refused: announces 1000000000000 bytes"),
    ("trickle", "not finished within the 2 s deadline"),
])
def test_when_every_mirror_fails_nothing_is_left(tmp_path, local, bad, reason):
    mirrors = [f"{local.url}/{bad}/", f"{local.url}/missing/"]
    with pytest.raises(DownloadError) as info:
        download_mnist(tmp_path, mirrors=mirrors, **LIMITS.get(bad, {}))
    message = str(info.value)
    assert f"{local.url}/{bad}/{NAMES[0]}: {reason}" in message
    assert f"{local.url}/missing/{NAMES[0]}: HTTP 404" in message
    assert str(tmp_path) in message
    assert_nothing_left(tmp_path)

def test_files_fetched_before_a_failure_are_complete(tmp_path, local):
    lost = local.files.pop(NAMES[2])
    with pytest.raises(DownloadError, match=NAMES[2]):
        download_mnist(tmp_path, mirrors=[local.url + "/good/"])
    assert_complete(tmp_path, {name: local.files[name] for name in NAMES[:2]})
    local.files[NAMES[2]] = lost
    download_mnist(tmp_path, mirrors=[local.url + "/good/"])  # resumes with what is missing
    assert_complete(tmp_path, local.files)
    assert [n for _, n in local.requests] == NAMES[:3] + NAMES[2:]

def test_valid_files_already_there_are_kept(tmp_path, local):
    first, second, *_ = NAMES
    (tmp_path / first).write_bytes(local.files[first])
    (tmp_path / second[:-3]).write_bytes(gzip.decompress(local.files[second]))  # unpacked
    download_mnist(tmp_path, mirrors=[local.url + "/good/"])
    assert sorted(n for _, n in local.requests) == sorted(NAMES[2:])


def test_damaged_file_already_there_is_replaced(tmp_path, local):
    (tmp_path / NAMES[0]).write_bytes(local.files[NAMES[0]][:-20])
    download_mnist(tmp_path, mirrors=[local.url + "/good/"])
    assert_complete(tmp_path, local.files)

def test_offline_gets_its_own_message(tmp_path, monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(DownloadError) as info:
        download_mnist(tmp_path / "cache", mirrors=["http://mnist.invalid/", "https://b.invalid/"])
    message = str(info.value)
    assert "could not reach any MNIST mirror" in message and "offline" in message
    assert str(tmp_path / "cache") in message


def test_no_mirrors_is_a_usage_error(tmp_path):
    with pytest.raises(ValueError, match="mirrors"):
        download_mnist(tmp_path, mirrors=[])


@pytest.mark.parametrize("deadline", [0, -1])
def test_a_deadline_must_be_positive(tmp_path, deadline):
    with pytest.raises(ValueError, match=f"deadline .* got {deadline}"):
        download_mnist(tmp_path, mirrors=["http://mnist.invalid/"], deadline=deadline)


def test_the_caps_leave_room_for_other_gzip_headers():
    for name, size in download.SIZE.items():
        assert 2 * size <= download.MAX_BYTES[name] < 3 * size + (1 << 20), name


def test_default_mirrors_order():
    assert download.MIRRORS[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    assert download.MIRRORS[1] == "https://storage.googleapis.com/cvdf-datasets/mnist/"
    assert "yann.lecun.com" in download.MIRRORS[-1]


# --- the real files (need $MNIST_DIR; fail, never skip, when it is set but broken) ---

def test_hard_coded_digests_match_the_real_files(mnist_dir):
    for name, digest in download.SHA256.items():
        assert content_sha256(mnist_dir / name) == digest, name


def test_real_files_through_a_local_mirror(tmp_path, mnist_dir):
    server, handler = serve({name: (mnist_dir / name).read_bytes() for name in NAMES})
    url = f"http://127.0.0.1:{server.server_address[1]}/good/"
    calls = []
    try:
        dest = download_mnist(tmp_path, progress=lambda *a: calls.append(a), mirrors=[url])
    finally:
        shut(server, handler)
    x, y = load_mnist("test", dest)
    assert x.shape == (10000, 28, 28) and np.bincount(y).tolist()[:2] == [980, 1135]
    big = [done for name, done, _ in calls if name == "train-images-idx3-ubyte.gz"]
    assert len(big) > 100 and big == sorted(big) and big[-1] == 9912422


def test_real_files_already_there_are_not_fetched_again(tmp_path, mnist_dir):
    for name in NAMES:
        shutil.copy(mnist_dir / name, tmp_path / name)
    download_mnist(tmp_path, mirrors=["http://mnist.invalid/"])  # would fail if it fetched
