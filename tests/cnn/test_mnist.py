"""Reading MNIST IDX files: real data via $MNIST_DIR, and every kind of damage via tiny files."""
import gzip

import numpy as np
import pytest

from cnn.mnist import (
    FILE_NAMES, SPLITS, MnistFormatError, MnistNotFoundError, default_cache_dir, find_mnist_dir,
    load_mnist, read_images, read_labels,
)

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(magic, dims, payload):
    return np.array([magic, *dims], dtype=">u4").tobytes() + bytes(payload)


def write(path, data, gz=True):
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_split(folder, split, n=5, gz=True, seed=0):
    """Write a valid tiny split into ``folder``; return its (images, labels)."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    suffix = ".gz" if gz else ""
    image_name, label_name = SPLITS[split]
    write(folder / (image_name + suffix), idx_bytes(2051, (n, 28, 28), images.tobytes()), gz)
    write(folder / (label_name + suffix), idx_bytes(2049, (n,), labels.tobytes()), gz)
    return images, labels


def write_all(folder, gz=True):
    folder.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        write_split(folder, split, gz=gz)
    return folder


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    """No $MNIST_DIR, and a cache folder inside tmp_path."""
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "digit-draw" / "mnist"


# --- the real data (fails, never skips, when $MNIST_DIR is set but broken) ---

def test_real_test_split(mnist_dir):
    x, y = load_mnist("test", mnist_dir)
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (10000,) and y.dtype == np.uint8
    assert np.bincount(y, minlength=10).tolist() == TEST_COUNTS


def test_real_train_split(mnist_dir):
    x, y = load_mnist("train", mnist_dir)
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y, minlength=10).tolist() == TRAIN_COUNTS
    assert x.mean() == pytest.approx(33.3184, abs=1e-3)


def test_real_dir_found_through_env(mnist_dir):
    assert find_mnist_dir() == mnist_dir


# --- reading valid files ---

@pytest.mark.parametrize("gz", [True, False])
def test_round_trip(tmp_path, gz):
    write_all(tmp_path, gz=gz)
    images, labels = write_split(tmp_path, "test", n=7, gz=gz, seed=3)
    x, y = load_mnist("test", tmp_path)
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)
    assert x.dtype == np.uint8 and y.dtype == np.uint8
    assert x.flags.writeable and y.flags.writeable


def test_gzip_is_sniffed_not_taken_from_the_name(tmp_path):
    """Browsers may unpack a .gz download and keep the name, or the reverse."""
    images, _ = write_split(tmp_path, "train", n=4)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    raw = gzip.decompress(path.read_bytes())
    write(tmp_path / "unpacked-but-named.gz", raw, gz=False)
    write(tmp_path / "packed-but-unnamed", raw, gz=True)
    np.testing.assert_array_equal(read_images(tmp_path / "unpacked-but-named.gz"), images)
    np.testing.assert_array_equal(read_images(tmp_path / "packed-but-unnamed"), images)


def test_unknown_split(tmp_path):
    write_all(tmp_path)
    with pytest.raises(ValueError, match="validation"):
        load_mnist("validation", tmp_path)


# --- damaged files: every problem is a MnistFormatError naming the file ---

def check_format_error(path, reader, *fragments):
    with pytest.raises(MnistFormatError) as info:
        reader(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("gz", [True, False])
def test_wrong_magic(tmp_path, gz):
    path = write(tmp_path / "images", idx_bytes(2049, (1, 28, 28), bytes(784)), gz)
    check_format_error(path, read_images, "magic", "2049", "2051")
    path = write(tmp_path / "labels", idx_bytes(2051, (1,), bytes(1)), gz)
    check_format_error(path, read_labels, "magic")


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_data(tmp_path, gz):
    path = write(tmp_path / "images", idx_bytes(2051, (3, 28, 28), bytes(3 * 784 - 10)), gz)
    check_format_error(path, read_images, "truncated", str(3 * 784))
    path = write(tmp_path / "labels", idx_bytes(2049, (5,), bytes(4)), gz)
    check_format_error(path, read_labels, "truncated")


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_header(tmp_path, gz):
    path = write(tmp_path / "images", idx_bytes(2051, (3,), b""), gz)
    check_format_error(path, read_images, "too short")
    check_format_error(write(tmp_path / "empty", b"", gz=False), read_labels, "too short")


def test_extra_bytes(tmp_path):
    path = write(tmp_path / "labels", idx_bytes(2049, (2,), bytes(3)))
    check_format_error(path, read_labels, "extra bytes")


def test_wrong_image_size_or_count(tmp_path):
    path = write(tmp_path / "big", idx_bytes(2051, (1, 32, 32), bytes(1024)))
    check_format_error(path, read_images, "32x32", "28x28")
    path = write(tmp_path / "none", idx_bytes(2051, (0, 28, 28), b""))
    check_format_error(path, read_images, "0 images")


def test_absurd_count_is_refused_before_allocating(tmp_path):
    path = write(tmp_path / "huge", idx_bytes(2051, (2**32 - 1, 28, 28), bytes(784)))
    check_format_error(path, read_images, "damaged header")


def test_label_out_of_range(tmp_path):
    path = write(tmp_path / "labels", idx_bytes(2049, (4,), bytes([1, 2, 10, 255])))
    check_format_error(path, read_labels, "label 10 at index 2", "0..9", "2 bad labels")


def test_count_mismatch(tmp_path):
    write_all(tmp_path)
    image_name, label_name = SPLITS["test"]
    write(tmp_path / (label_name + ".gz"), idx_bytes(2049, (4,), bytes(4)))
    with pytest.raises(MnistFormatError, match="5 images") as info:
        load_mnist("test", tmp_path)
    assert image_name in str(info.value) and label_name in str(info.value)
    assert "4 labels" in str(info.value)


def gz_of_valid_labels(tmp_path):
    path = write(tmp_path / "labels.gz", idx_bytes(2049, (2000,), bytes(range(10)) * 200))
    return path, path.read_bytes()


def test_damaged_gzip_body(tmp_path):
    path, data = gz_of_valid_labels(tmp_path)
    middle = len(data) // 2
    path.write_bytes(data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 8])
                     + data[middle + 8:])
    check_format_error(path, read_labels, "gzip")


def test_cut_off_gzip_stream(tmp_path):
    path, data = gz_of_valid_labels(tmp_path)
    path.write_bytes(data[: len(data) // 2])
    check_format_error(path, read_labels, "gzip")


def test_gzip_crc_mismatch(tmp_path):
    path, data = gz_of_valid_labels(tmp_path)
    path.write_bytes(data[:-8] + bytes(b ^ 0xFF for b in data[-8:-4]) + data[-4:])
    check_format_error(path, read_labels, "gzip")


# --- finding the folder ---

def test_explicit_dir(tmp_path, no_env):
    assert find_mnist_dir(write_all(tmp_path / "mine")) == tmp_path / "mine"
    assert find_mnist_dir(str(tmp_path / "mine")) == tmp_path / "mine"


def test_env_var_before_cache(tmp_path, no_env, monkeypatch):
    write_all(no_env)
    assert find_mnist_dir() == no_env
    monkeypatch.setenv("MNIST_DIR", str(write_all(tmp_path / "env")))
    assert find_mnist_dir() == tmp_path / "env"


def test_env_var_without_files_falls_back_to_cache(tmp_path, no_env, monkeypatch):
    write_all(no_env)
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "nowhere"))
    assert find_mnist_dir() == no_env


def test_explicit_dir_is_not_second_guessed(tmp_path, no_env):
    write_all(no_env)
    (tmp_path / "mine").mkdir()
    with pytest.raises(MnistNotFoundError) as info:
        find_mnist_dir(tmp_path / "mine")
    assert str(no_env) not in str(info.value)


def test_not_found_says_where_it_looked_and_what_to_do(tmp_path, no_env, monkeypatch):
    partial = tmp_path / "partial"
    partial.mkdir()
    write_split(partial, "test")
    monkeypatch.setenv("MNIST_DIR", str(partial))
    with pytest.raises(MnistNotFoundError) as info:
        load_mnist("test")
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert str(partial) in message and str(no_env) in message
    assert "train-images-idx3-ubyte" in message and "t10k-images-idx3-ubyte" not in message
    assert "does not exist" in message
    assert "python app.py download" in message


def test_default_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "digit-draw" / "mnist"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for value in ("", "relative/path"):  # the XDG spec says to ignore both
        monkeypatch.setenv("XDG_CACHE_HOME", value)
        assert default_cache_dir() == tmp_path / "home" / ".cache" / "digit-draw" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "digit-draw" / "mnist"


def test_file_names():
    assert sorted(FILE_NAMES) == sorted([
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    ])
