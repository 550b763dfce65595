"""Tests for gui.imagefile: image files -> greyscale arrays -> MNIST-style digits."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from cnn.preprocess import CENTER, center_of_mass, ink_from_image, to_mnist
from gui.imagefile import ImageFileError, read_image


def seven_mask(h=200, w=160):
    """A blocky '7': a bar on top and a slanted stem, True = ink."""
    mask = np.zeros((h, w), dtype=bool)
    mask[30:50, 30:130] = True
    for r in range(50, 175):
        c = 125 - (r - 50) * 60 // 125
        mask[r, c - 10:c + 10] = True
    return mask


def save_grey(path, pixels, fmt):
    """Write uint8 ``(H, W)`` as an 8-bit greyscale image file via QImage."""
    h, w = pixels.shape
    data = np.ascontiguousarray(pixels)
    image = QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    assert image.save(str(path), fmt)


def save_rgba(path, rgba):
    """Write uint8 ``(H, W, 4)`` as a PNG with an alpha channel."""
    h, w, _ = rgba.shape
    data = np.ascontiguousarray(rgba)
    image = QImage(data.data, w, h, w * 4, QImage.Format.Format_RGBA8888).copy()
    assert image.save(str(path), "PNG")


def expected_digit():
    return to_mnist(seven_mask().astype(np.float32))


@pytest.mark.parametrize("fmt, suffix", [("PNG", ".png"), ("JPEG", ".jpg")])
@pytest.mark.parametrize("dark_ink", [True, False])
def test_file_round_trip_gives_the_same_digit(tmp_path, fmt, suffix, dark_ink):
    mask = seven_mask()
    paper, pen = (235, 20) if dark_ink else (15, 240)
    path = tmp_path / f"seven{suffix}"
    save_grey(path, np.where(mask, pen, paper).astype(np.uint8), fmt)

    grey = read_image(path)
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
    save_rgba(tmp_path / "red.png", rgba)
    np.testing.assert_allclose(read_image(tmp_path / "red.png"), 0.299, atol=1e-3)


@pytest.mark.parametrize("stroke, backdrop", [(0, 1.0), (255, 0.0)])
def test_transparent_background_goes_behind_strokes_with_contrast(tmp_path, stroke, backdrop):
    mask = seven_mask()
    rgba = np.zeros(mask.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = 128 if stroke == 0 else 0        # colour under alpha=0 must not matter
    rgba[mask, :3] = stroke
    rgba[mask, 3] = 255
    save_rgba(tmp_path / "strokes.png", rgba)

    grey = read_image(tmp_path / "strokes.png")
    assert np.all(grey[~mask] == backdrop)
    assert np.all(grey[mask] == stroke / 255)
    digit = to_mnist(ink_from_image(grey))
    assert np.abs(digit - expected_digit()).mean() < 0.01


def test_page_with_clear_corners_keeps_its_own_background(tmp_path):
    mask = seven_mask()
    rgba = np.full(mask.shape + (4,), 255, dtype=np.uint8)   # opaque white page
    rgba[mask, :3] = 0
    rgba[:8, :8, 3] = 0                                       # a transparent rounded corner
    save_rgba(tmp_path / "page.png", rgba)
    assert np.all(read_image(tmp_path / "page.png")[:8, :8] == 1.0)


def test_missing_file_raises_naming_it(tmp_path):
    path = tmp_path / "nope.png"
    with pytest.raises(ImageFileError, match="nope.png"):
        read_image(path)


def test_garbage_file_raises_naming_it(tmp_path):
    path = tmp_path / "garbage.jpg"
    path.write_bytes(b"this is not a JPEG" * 20)
    with pytest.raises(ImageFileError, match="garbage.jpg") as info:
        read_image(path)
    assert isinstance(info.value, ValueError)


def test_directory_raises(tmp_path):
    with pytest.raises(ImageFileError):
        read_image(tmp_path)


def test_reads_jpeg_without_any_qt_application(tmp_path):
    # A fresh interpreter with no display and no QGuiApplication, as in a headless script.
    save_grey(tmp_path / "seven.jpg", np.where(seven_mask(), 0, 255).astype(np.uint8), "JPEG")
    code = ("import sys; from gui.imagefile import read_image; "
            "from PySide6.QtGui import QGuiApplication; "
            "g = read_image(sys.argv[1]); "
            "assert QGuiApplication.instance() is None; print(g.shape)")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "seven.jpg")],
                          cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(200, 160)"
