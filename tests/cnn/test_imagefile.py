"""cnn.imagefile: picture files -> greyscale arrays -> MNIST-style digits, and hostile files."""
import io
import json
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from cnn import imagefile
from cnn.imagefile import MAX_SIDE, ImageFileError, ImageFileWarning, read_image
from cnn.preprocess import CENTER, center_of_mass, ink_from_image, to_mnist

ROOT = Path(__file__).resolve().parents[2]


def seven_mask(h=200, w=160):
    """A blocky '7': a bar on top and a slanted stem, True = ink."""
    mask = np.zeros((h, w), dtype=bool)
    mask[30:50, 30:130] = True
    for r in range(50, 175):
        c = 125 - (r - 50) * 60 // 125
        mask[r, c - 10:c + 10] = True
    return mask


def seven_grey(paper=235, pen=20, **size):
    return np.where(seven_mask(**size), pen, paper).astype(np.uint8)


def save(path, pixels, **options):
    """Write a uint8 array (``(H, W)`` grey, ``(H, W, 3)`` RGB, ``(H, W, 4)`` RGBA) with Pillow."""
    Image.fromarray(pixels).save(path, **options)
    return path


def read_quietly(path):
    """``read_image``, failing the test if it warns."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ImageFileWarning)
        return read_image(path)


def expected_digit():
    return to_mnist(seven_mask().astype(np.float32))


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
@pytest.mark.parametrize("dark_ink", [True, False])
def test_file_round_trip_gives_the_same_digit(tmp_path, suffix, dark_ink):
    mask = seven_mask()
    paper, pen = (235, 20) if dark_ink else (15, 240)
    path = save(tmp_path / f"seven{suffix}", seven_grey(paper, pen))

    grey = read_quietly(path)
    assert grey.dtype == np.float32 and grey.shape == mask.shape
    assert 0.0 <= grey.min() and grey.max() <= 1.0
    assert abs(grey[~mask].mean() - paper / 255) < 0.03

    digit = to_mnist(ink_from_image(grey))
    assert np.abs(digit - expected_digit()).mean() < 0.02
    row, col = center_of_mass(digit)
    assert abs(row - CENTER) <= 0.5 and abs(col - CENTER) <= 0.5


def test_colour_image_becomes_luma(tmp_path):
    rgba = np.zeros((10, 12, 4), dtype=np.uint8)
    rgba[..., 0], rgba[..., 3] = 255, 255            # opaque pure red
    np.testing.assert_allclose(read_image(save(tmp_path / "red.png", rgba)), 0.299, atol=1e-3)


@pytest.mark.parametrize("stroke, backdrop", [(0, 1.0), (255, 0.0)])
def test_transparent_background_goes_behind_strokes_with_contrast(tmp_path, stroke, backdrop):
    mask = seven_mask()
    rgba = np.zeros(mask.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = 128 if stroke == 0 else 0        # colour under alpha=0 must not matter
    rgba[mask, :3] = stroke
    rgba[mask, 3] = 255

    grey = read_image(save(tmp_path / "strokes.png", rgba))
    assert np.all(grey[~mask] == backdrop)
    assert np.all(grey[mask] == stroke / 255)
    digit = to_mnist(ink_from_image(grey))
    assert np.abs(digit - expected_digit()).mean() < 0.01


def test_page_with_clear_corners_keeps_its_own_background(tmp_path):
    mask = seven_mask()
    rgba = np.full(mask.shape + (4,), 255, dtype=np.uint8)   # opaque white page
    rgba[mask, :3] = 0
    rgba[:8, :8, 3] = 0                                       # a transparent rounded corner
    assert np.all(read_image(save(tmp_path / "page.png", rgba))[:8, :8] == 1.0)


# --- the kinds of picture files people have ---

def test_palette_png_with_a_transparent_entry(tmp_path):
    image = Image.fromarray(seven_mask().astype(np.uint8), mode="L").convert("P")
    image.putpalette([0, 0, 0, 200, 30, 30])      # 0: background (transparent), 1: red ink
    image.info["transparency"] = 0
    image.save(tmp_path / "palette.png", transparency=0)
    grey = read_image(tmp_path / "palette.png")
    mask = seven_mask()
    assert np.all(grey[~mask] == 1.0)             # dark strokes: laid over white
    np.testing.assert_allclose(grey[mask], (0.299 * 200 + 0.587 * 30 + 0.114 * 30) / 255, atol=1e-3)


def test_sixteen_bit_greyscale_is_scaled_not_clipped(tmp_path):
    level = np.full((20, 30), 32768, dtype=np.uint16)
    level[5:15, 10:20] = 1000
    Image.fromarray(level).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I;16")
    grey = read_image(tmp_path / "deep.png")
    assert abs(grey[0, 0] - 0.5) < 1e-3 and abs(grey[10, 15] - 1000 / 65535) < 1e-4


def test_greyscale_with_alpha(tmp_path):
    la = np.zeros(seven_mask().shape + (2,), dtype=np.uint8)
    la[seven_mask()] = (250, 255)                 # light strokes on a clear background
    Image.fromarray(la, mode="LA").save(tmp_path / "la.png")
    grey = read_image(tmp_path / "la.png")
    assert np.all(grey[~seven_mask()] == 0.0)                 # light strokes: laid over black
    np.testing.assert_allclose(grey[seven_mask()], 250 / 255, rtol=1e-6)


def test_cmyk_jpeg(tmp_path):
    Image.fromarray(seven_grey()).convert("CMYK").save(tmp_path / "print.jpg", quality=95)
    digit = to_mnist(ink_from_image(read_quietly(tmp_path / "print.jpg")))
    assert np.abs(digit - expected_digit()).mean() < 0.02


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_pillows_exif_transpose(tmp_path, orientation):
    pixels = np.arange(12 * 7, dtype=np.uint8).reshape(7, 12) * 3
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "turned.png"
    Image.fromarray(pixels).save(path, exif=exif.tobytes())
    upright = np.asarray(ImageOps.exif_transpose(Image.open(path)), dtype=np.float32) / 255
    np.testing.assert_allclose(read_image(path), upright, atol=1e-6)


def test_big_pictures_are_shrunk_and_keep_the_digit(tmp_path):
    big = np.asarray(Image.fromarray(seven_grey()).resize((3300, 4100)))   # 13.5 megapixels
    for path in (save(tmp_path / "big.png", big), save(tmp_path / "big.jpg", big, quality=90)):
        grey = read_quietly(path)
        assert MAX_SIDE // 2 <= max(grey.shape) <= MAX_SIDE
        digit = to_mnist(ink_from_image(grey))
        assert np.abs(digit - expected_digit()).mean() < 0.03, path.name


def test_shrinking_a_transparent_picture_is_the_same_as_flattening_it_first(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (60, 90, 4), dtype=np.uint8)
    rgba[..., 3] = np.where(rng.random((60, 90)) < 0.7, 0, rgba[..., 3])   # mostly clear
    path = save(tmp_path / "speckle.png", rgba)
    full = read_image(path)
    monkeypatch.setattr(imagefile, "MAX_SIDE", 30)                          # blocks of 3x3
    small = read_image(path)
    expected = full.reshape(20, 3, 30, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(small, expected, atol=1e-5)


# --- files that are not what they claim ---

def test_missing_file_raises_naming_it(tmp_path):
    with pytest.raises(ImageFileError, match="nope.png: no such file") as info:
        read_image(tmp_path / "nope.png")
    assert info.value.path == tmp_path / "nope.png" and info.value.reason == "no such file"


def test_garbage_file_raises_naming_it(tmp_path):
    path = tmp_path / "garbage.jpg"
    path.write_bytes(b"this is not a JPEG" * 20)
    with pytest.raises(ImageFileError, match="garbage.jpg: not a picture") as info:
        read_image(path)
    assert isinstance(info.value, ValueError)


def test_directory_raises(tmp_path):
    with pytest.raises(ImageFileError, match="is a folder"):
        read_image(tmp_path)


def crafted_png(width, height, extra=b""):
    """A PNG whose header claims ``width x height`` 8-bit grey pixels; the data is one short row."""
    def chunk(kind, body):
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 10)) + extra + chunk(b"IEND", b""))


PEAK_PROBE = """
import json, re, resource, sys
from cnn.imagefile import ImageFileError, read_image
try:
    read_image(sys.argv[1]); outcome = "read"
except ImageFileError as e:
    outcome = e.reason
try:  # this program's own peak; ru_maxrss can include the parent's, from before exec
    peak_kb = int(re.search(r"VmHWM:\\s*(\\d+)", open("/proc/self/status").read()).group(1))
except OSError:
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "peak_mb": peak_kb / 1024}))
"""


def peak_reading(path):
    """Read ``path`` in a fresh interpreter: (ImageFileError reason or "read", peak RSS in MB)."""
    done = subprocess.run([sys.executable, "-c", PEAK_PROBE, str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    return result["outcome"], result["peak_mb"]


@pytest.mark.parametrize("make", ["crafted header", "real 1-bit picture"])
def test_pixel_limit_is_checked_from_the_header(tmp_path, make):
    path = tmp_path / "huge.png"
    if make == "crafted header":
        path.write_bytes(crafted_png(8000, 8000))
    else:
        Image.new("1", (8000, 8000), 1).save(path)   # 64 megapixels in a few kB
    assert path.stat().st_size < 100_000
    outcome, peak_mb = peak_reading(path)
    assert outcome.endswith("64,000,000 pixels is over the 50-megapixel limit (refused before decoding)")
    assert peak_mb < 100      # importing NumPy and Pillow alone is ~40 MB; 8000x8000 would be 64+


def test_header_claiming_a_few_billion_pixels_is_refused(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(crafted_png(100_000, 100_000))
    with pytest.raises(ImageFileError, match=r"10,000,000,000 pixels is over the 50-megapixel limit"):
        read_image(path)


def test_big_progressive_jpeg_is_refused_before_libjpeg_buffers_it(tmp_path, monkeypatch):
    save(tmp_path / "prog.jpg", seven_grey(), progressive=True)
    read_quietly(tmp_path / "prog.jpg")
    # 200x160 in 8x8 blocks, one component: 500 blocks of 128 bytes.
    monkeypatch.setattr(imagefile, "_JPEG_BUFFER_BYTES", 499 * 128)
    with pytest.raises(ImageFileError, match="progressive JPEG of 160x200 pixels needs"):
        read_image(tmp_path / "prog.jpg")


# --- damaged files ---

def photo_jpeg(**options):
    """A digit on textured paper, like a photo, as JPEG bytes."""
    rng = np.random.default_rng(7)
    paper = rng.normal(225, 6, (400, 300))
    pixels = np.where(seven_mask(400, 300), 30.0, paper)
    buffer = io.BytesIO()
    Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).convert("RGB").save(buffer, "JPEG", **options)
    return buffer.getvalue()


def scan_data(jpeg):
    """Start and end offsets of a one-scan JPEG's entropy-coded data."""
    sos = jpeg.index(b"\xff\xda")
    return sos + 2 + int.from_bytes(jpeg[sos + 2:sos + 4], "big"), len(jpeg) - 2


@pytest.mark.parametrize("options", [
    {}, {"quality": 100, "subsampling": 0}, {"optimize": True}, {"progressive": True},
    {"restart_marker_blocks": 3}, {"progressive": True, "restart_marker_rows": 1},
])
def test_good_jpegs_raise_no_warning(tmp_path, options):
    path = tmp_path / "good.jpg"
    path.write_bytes(photo_jpeg(**options))
    read_quietly(path)


def test_corrupt_jpeg_data_is_a_warning_naming_the_file(tmp_path):
    jpeg = bytearray(photo_jpeg())
    start, end = scan_data(jpeg)
    middle = (start + end) // 2
    jpeg[middle:middle + 200] = bytes(200)   # libjpeg: "premature end of data segment"
    path = tmp_path / "zeroed.jpg"
    path.write_bytes(jpeg)
    with pytest.warns(ImageFileWarning, match="zeroed.jpg: the file looks damaged") as caught:
        grey = read_image(path)
    assert grey.shape == (400, 300) and caught[0].message.reason.startswith("the file looks damaged")


@pytest.mark.parametrize("keep", [0.3, 0.9, -2])
def test_truncated_jpeg_raises(tmp_path, keep):
    jpeg = photo_jpeg()
    path = tmp_path / "cut.jpg"
    path.write_bytes(jpeg[:keep] if keep < 0 else jpeg[:int(len(jpeg) * keep)])
    with pytest.raises(ImageFileError, match="cut.jpg: the file is cut short"):
        read_image(path)


def test_truncated_png_raises(tmp_path):
    data = save(tmp_path / "whole.png", np.random.default_rng(0).integers(0, 256, (300, 200), np.uint8)).read_bytes()
    (tmp_path / "cut.png").write_bytes(data[:len(data) // 2])
    with pytest.raises(ImageFileError, match="cut.png: the file is cut short"):
        read_image(tmp_path / "cut.png")


def test_png_with_a_bad_checksum_or_no_end_is_a_warning(tmp_path):
    data = save(tmp_path / "whole.png", seven_grey()).read_bytes()
    idat = data.index(b"IDAT")
    length = int.from_bytes(data[idat - 4:idat], "big")
    crc = idat + 4 + length
    bad_crc = data[:crc] + bytes(b ^ 0xFF for b in data[crc:crc + 4]) + data[crc + 4:]
    for name, damaged in (("crc.png", bad_crc), ("no-end.png", data[:-12])):
        (tmp_path / name).write_bytes(damaged)
        with pytest.warns(ImageFileWarning, match=f"{name}: the file looks damaged"):
            grey = read_image(tmp_path / name)
        assert np.abs(to_mnist(ink_from_image(grey)) - expected_digit()).mean() < 0.02


def test_reads_without_qt(tmp_path):
    save(tmp_path / "seven.jpg", seven_grey())
    code = ("import sys; from cnn.imagefile import read_image; g = read_image(sys.argv[1]); "
            "print(g.shape, any(m.split('.')[0] == 'PySide6' for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "seven.jpg")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(200, 160) False"
