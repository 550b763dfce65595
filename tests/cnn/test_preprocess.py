"""Tests for cnn.preprocess: drawings and photos -> 28x28 MNIST-style images."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cnn.mnist import load_mnist
from cnn.preprocess import (CENTER, MIN_CONTRAST, border, box_weights, center_of_mass, ink_from_image,
                            resize_area, to_mnist)


def canvas(shape=(280, 280)):
    return np.zeros(shape, dtype=np.float32)


def ink_bbox(image):
    """Height and width of the region holding any ink."""
    rows = np.flatnonzero(image.max(axis=1) > 0)
    cols = np.flatnonzero(image.max(axis=0) > 0)
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def reference_resize(image, scale):
    """Slow, obvious box filter: overlap area of every output square with every input pixel."""
    h, w = image.shape
    out_h = int(np.ceil(h * scale - 1e-6))
    out_w = int(np.ceil(w * scale - 1e-6))
    out = np.zeros((out_h, out_w))
    side = 1.0 / scale
    for r in range(out_h):
        for c in range(out_w):
            total = 0.0
            for i in range(h):
                dy = min((r + 1) * side, i + 1) - max(r * side, i)
                if dy <= 0:
                    continue
                for j in range(w):
                    dx = min((c + 1) * side, j + 1) - max(c * side, j)
                    if dx > 0:
                        total += image[i, j] * dy * dx
            out[r, c] = total / (side * side)
    return out


def test_blank_and_faint_inputs_give_none():
    assert to_mnist(canvas()) is None
    assert to_mnist(canvas() + 0.001) is None
    assert to_mnist(np.zeros((0, 0))) is None


def test_rejects_non_2d_input():
    with pytest.raises(ValueError, match="2-D"):
        to_mnist(np.ones((3, 28, 28)))


def test_output_is_float32_28x28_in_unit_range():
    ink = canvas()
    ink[50:230, 120:160] = 1.0
    ink[50:70, 80:200] = 1.0
    out = to_mnist(ink)
    assert out.dtype == np.float32 and out.shape == (28, 28)
    assert out.min() >= 0.0 and out.max() == pytest.approx(1.0)


@pytest.mark.parametrize("rows, cols, expect_h, expect_w", [
    (slice(10, 90), slice(150, 270), 14, 20),      # wide, off-centre towards the top right
    (slice(20, 260), slice(30, 60), 20, 3),        # tall and thin, near the left edge
    (slice(200, 280), slice(0, 80), 20, 20),       # square in the bottom left corner
])
def test_fits_20x20_box_centred_by_mass(rows, cols, expect_h, expect_w):
    ink = canvas()
    ink[rows, cols] = 1.0
    out = to_mnist(ink)
    h, w = ink_bbox(out)
    assert max(h, w) == 20
    assert abs(h - expect_h) <= 1 and abs(w - expect_w) <= 1
    row, col = center_of_mass(out)
    assert abs(row - CENTER) <= 0.5 and abs(col - CENTER) <= 0.5


def test_lopsided_shape_is_centred_by_mass_not_by_box():
    ink = canvas()
    ink[40:240, 100:110] = 1.0       # a "1" with a foot
    ink[230:240, 80:140] = 1.0
    out = to_mnist(ink)
    row, col = center_of_mass(out)
    assert abs(row - CENTER) <= 0.5 and abs(col - CENTER) <= 0.5
    rows = np.flatnonzero(out.max(axis=1) > 0)
    assert rows[0] < 28 - 1 - rows[-1]   # the foot pulls the box up: more room below


def test_shift_is_clamped_so_a_very_lopsided_digit_stays_whole():
    ink = canvas()
    ink[40:240, 100:110] = 1.0       # the foot outweighs the stem: centring by mass
    ink[200:240, 60:200] = 1.0       # would push the top of the stem out of the frame
    out = to_mnist(ink)
    rows = np.flatnonzero(out.max(axis=1) > 0)
    assert rows[0] == 0 and len(rows) == 20
    assert out.sum() == pytest.approx(resize_area(ink[40:240, 60:200], 0.1).sum(), rel=1e-4)


def test_faint_noise_does_not_widen_the_box():
    rng = np.random.default_rng(0)
    ink = rng.random((280, 280)).astype(np.float32) * 0.02
    ink[60:220, 130:150] = 1.0
    out = to_mnist(ink)
    h, _ = ink_bbox(out > 0.05)
    assert h == 20


def test_thin_stroke_on_large_canvas_is_brought_to_full_strength():
    ink = canvas((2000, 1500))
    ink[200:1800, 700:704] = 1.0     # a 4-pixel line shrinks to a fifth of a pixel
    assert to_mnist(ink).max() == pytest.approx(1.0)


@pytest.mark.parametrize("shape, scale", [((37, 23), 20 / 37), ((30, 30), 20 / 30),
                                          ((5, 3), 4.0), ((7, 4), 2.5), ((9, 6), 1.0)])
def test_resize_area_matches_slow_box_filter_and_keeps_mass(shape, scale):
    image = np.random.default_rng(1).random(shape)
    fast = resize_area(image, scale)
    slow = reference_resize(image, scale)
    assert fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, atol=1e-5)
    assert fast.sum() == pytest.approx(image.sum() * scale**2, rel=1e-5)


def test_box_weights_rows_sum_to_one_where_covered():
    w = box_weights(30, 20 / 30)
    assert w.shape == (20, 30)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(w.sum(axis=0), 20 / 30, atol=1e-6)


def digit_photo(dark_ink, rng):
    """A noisy grey 'photo' of a plus sign; returns (pixels uint8, true ink mask)."""
    mask = np.zeros((120, 100), dtype=bool)
    mask[20:100, 45:55] = True
    mask[55:65, 20:80] = True
    paper, pen = (200, 30) if dark_ink else (40, 220)
    noise = rng.normal(0, 8, mask.shape)
    pixels = np.where(mask, pen, paper) + noise
    return np.clip(pixels, 0, 255).astype(np.uint8), mask


@pytest.mark.parametrize("dark_ink", [True, False])
def test_ink_from_image_finds_polarity_from_border(dark_ink):
    pixels, mask = digit_photo(dark_ink, np.random.default_rng(2))
    ink = ink_from_image(pixels)
    assert ink.dtype == np.float32 and ink.shape == pixels.shape
    assert ink[mask].mean() > 0.8
    assert ink[~mask].mean() < 0.02
    assert ink.max() == pytest.approx(1.0)


def test_ink_from_image_accepts_float_and_touching_strokes():
    pixels = np.full((50, 50), 0.9)
    pixels[:, 20:26] = 0.1           # a stroke that runs off both edges
    ink = ink_from_image(pixels)
    assert ink[:, 20:26].min() == pytest.approx(1.0)
    assert ink[:, :20].max() == 0.0


def test_ink_from_flat_image_is_blank():
    assert not ink_from_image(np.full((40, 40), 128, np.uint8)).any()
    assert to_mnist(ink_from_image(np.full((40, 40), 128, np.uint8))) is None


def binary_picture(mask, dark_ink):
    """``mask`` as a 1-bit-like uint8 picture: 0 on 255 (dark ink) or 255 on 0 (light ink)."""
    return np.where(mask, 0, 255).astype(np.uint8) if dark_ink else np.where(mask, 255, 0).astype(np.uint8)


@pytest.mark.parametrize("dark_ink", [True, False])
def test_tight_binary_crop_with_ink_along_a_whole_side_is_exact(dark_ink):
    mask = np.zeros((20, 16), dtype=bool)
    mask[:4, :] = True               # a thick bar across the whole top edge
    mask[4:, 7:10] = True            # and a stroke down to the bottom edge
    assert border(mask.astype(float)).mean() > 0.3   # far more ink on the border than 10%
    ink = ink_from_image(binary_picture(mask, dark_ink))
    assert ink.dtype == np.float32
    np.testing.assert_array_equal(ink, mask.astype(np.float32))


@pytest.mark.parametrize("dark_ink", [True, False])
def test_bold_crop_with_mostly_ink_border_but_mostly_paper_picture_keeps_polarity(dark_ink):
    mask = np.zeros((20, 20), dtype=bool)
    mask[:4, :] = True               # a bold '7' cropped tight: top bar and right-hand stem
    mask[4:, 14:] = True
    assert 0.5 < border(mask.astype(float)).mean() < 0.65 and mask.mean() < 0.5
    ink = ink_from_image(binary_picture(mask, dark_ink))
    np.testing.assert_array_equal(ink, mask.astype(np.float32))


@pytest.mark.parametrize("dark_ink", [True, False])
def test_noisy_photo_with_strokes_off_the_edges_keeps_paper_at_zero(dark_ink):
    mask = np.zeros((60, 50), dtype=bool)
    mask[:12, :] = True              # a bar running off the top, left and right edges
    mask[12:, 20:30] = True          # a stem running off the bottom edge
    paper, pen = (200, 30) if dark_ink else (40, 220)
    noise = np.random.default_rng(3).normal(0, 8, mask.shape)
    pixels = np.clip(np.where(mask, pen, paper) + noise, 0, 255).astype(np.uint8)
    ink = ink_from_image(pixels)
    assert ink[~mask].max() == 0.0
    assert ink[mask].mean() > 0.7 and ink[mask].min() > 0.3
    assert ink.max() == pytest.approx(1.0)


def faint_noise():
    """Paper at 200 with +-1 grey level of noise."""
    return np.random.default_rng(4).integers(199, 202, (60, 60)).astype(np.uint8)


def faint_digit():
    """A clear digit shape, but only just under MIN_CONTRAST darker than its paper."""
    pixels = np.full((60, 60), 0.8)
    pixels[10:50, 25:32] = 0.8 - 0.9 * MIN_CONTRAST
    return pixels


def grainy_noise():
    """Noise spanning just over MIN_CONTRAST: its brightest grains stand less than that above paper."""
    pixels = 0.5 + np.random.default_rng(5).uniform(-0.03, 0.03, (60, 60))
    assert np.ptp(pixels) >= MIN_CONTRAST
    return pixels


@pytest.mark.parametrize("make", [lambda: np.full((40, 40), 200, np.uint8), faint_noise, faint_digit,
                                  grainy_noise], ids=["flat", "noise_200_pm_1", "faint_digit", "grainy"])
def test_blank_pictures_stay_blank(make):
    pixels = make()
    ink = ink_from_image(pixels)
    assert ink.shape == pixels.shape and not ink.any()
    assert to_mnist(ink) is None


def test_a_digit_at_twice_min_contrast_is_not_blank():
    pixels = np.full((60, 60), 0.8)
    pixels[10:50, 25:32] = 0.8 - 2 * MIN_CONTRAST
    ink = ink_from_image(pixels)
    assert ink[10:50, 25:32].min() == pytest.approx(1.0) and ink.sum() == pytest.approx(40 * 7)
    assert to_mnist(ink) is not None


def test_upscaled_mnist_digit_comes_back_as_itself(mnist_dir):
    # MNIST digits already fill a 20-pixel box centred by mass; normalising a 10x enlarged
    # copy must reproduce them, or our normalisation differs from MNIST's.
    images = load_mnist("test", mnist_dir)[0][:100].astype(np.float32) / 255.0
    errors = [np.abs(to_mnist(np.kron(img, np.ones((10, 10)))) - img).mean() for img in images]
    assert np.mean(errors) < 0.005
    assert np.max(errors) < 0.02


def test_importing_preprocess_leaves_qt_out():
    code = "import sys, cnn.preprocess; sys.exit('PySide6' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0
