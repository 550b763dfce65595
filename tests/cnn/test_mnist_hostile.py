"""IDX files made to exhaust memory are refused from their header, before anything is allocated."""
import json
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from cnn.mnist import MnistFormatError, read_images, read_labels

ROOT = Path(__file__).resolve().parents[2]

PEAK_PROBE = """
import json, re, sys
from cnn.mnist import MnistFormatError, read_images
try:
    outcome = str(read_images(sys.argv[1]).shape)
except MnistFormatError as e:
    outcome = str(e)
peak_kb = int(re.search(r"VmHWM:\\s*(\\d+)", open("/proc/self/status").read()).group(1))
print(json.dumps({"outcome": outcome, "peak_mb": peak_kb / 1024}))
"""


def gzip_bomb(path, count, zero_bytes):
    """A gzipped IDX image file claiming ``count`` images, holding ``zero_bytes`` zero bytes."""
    pack = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [pack.compress(np.array([2051, count, 28, 28], dtype=">u4").tobytes())]
    block = bytes(1 << 20)
    for start in range(0, zero_bytes, len(block)):
        parts.append(pack.compress(block[:min(len(block), zero_bytes - start)]))
    path.write_bytes(b"".join(parts) + pack.flush())
    return path


@pytest.mark.parametrize("count", [10**9, 1_300_000])
def test_header_promising_too_many_images_is_refused(tmp_path, count):
    path = tmp_path / "images.idx"
    path.write_bytes(np.array([2051, count, 28, 28], dtype=">u4").tobytes() + bytes(784))
    with pytest.raises(MnistFormatError, match=f"header promises {count} images"):
        read_images(path)


def test_header_promising_too_many_labels_is_refused(tmp_path):
    path = tmp_path / "labels.idx"
    path.write_bytes(np.array([2049, 500_000_000], dtype=">u4").tobytes() + bytes(10))
    with pytest.raises(MnistFormatError, match="header promises 500000000 labels"):
        read_labels(path)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory read from /proc")
def test_gzip_bomb_is_refused_without_unpacking_it(tmp_path):
    # 1.3M images would be 1 GB once unpacked; the first 100 MB of it packs into ~100 kB.
    path = gzip_bomb(tmp_path / "bomb.gz", 1_300_000, 100 << 20)
    assert path.stat().st_size < 1 << 20
    done = subprocess.run([sys.executable, "-c", PEAK_PROBE, str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert "header promises 1300000 images" in result["outcome"]
    assert result["peak_mb"] < 100   # importing NumPy is ~30 MB
