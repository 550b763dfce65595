"""Random distortions: shapes, determinism, identity, and that each distortion does its job."""
import numpy as np
import pytest

from cnn.augment import augment

STILL = dict(max_shift=0.0, max_rotate=0.0, scale=(1.0, 1.0), max_shear=0.0, stroke=0.0)


def digits(n=64, seed=0):
    """uint8 (n, 28, 28): a soft-edged '7'-like stroke pair per image, jittered."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    for i, (top, left) in enumerate(rng.integers(7, 11, (n, 2))):
        images[i, top:top + 3, left:left + 10] = 255      # the bar
        images[i, top:top + 12, left + 7:left + 10] = 255  # the stem
        images[i, top - 1, left:left + 10] = 90            # an anti-aliased edge
    return images


def centre_of_mass(images):
    """(N, 2) as (row, col)."""
    rows, cols = np.indices(images.shape[1:])
    mass = images.sum(axis=(1, 2))
    return np.stack([(images * rows).sum(axis=(1, 2)) / mass,
                     (images * cols).sum(axis=(1, 2)) / mass], axis=1)


def test_shape_dtype_and_range():
    images = digits()
    out = augment(images, np.random.default_rng(0))
    assert out.shape == images.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert not np.array_equal(out, images / 255)


def test_float_input_and_any_size():
    images = np.random.default_rng(1).random((5, 20, 24)) * 1.2 - 0.1
    out = augment(images, np.random.default_rng(0))
    assert out.shape == (5, 20, 24) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert augment(np.zeros((0, 28, 28), np.uint8), np.random.default_rng(0)).shape == (0, 28, 28)


def test_same_seed_same_output():
    images = digits()
    a = augment(images, np.random.default_rng(7))
    b = augment(images, np.random.default_rng(7))
    c = augment(images, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_input_and_global_random_state_untouched():
    images = digits()
    before = images.copy()
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    augment(images, np.random.default_rng(0))
    np.testing.assert_array_equal(images, before)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_identity_when_all_ranges_are_zero():
    images = digits()
    out = augment(images, np.random.default_rng(0), **STILL)
    np.testing.assert_allclose(out, images / 255, atol=1e-6)
    floats = np.random.default_rng(2).random((4, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(augment(floats, np.random.default_rng(0), **STILL), floats,
                               atol=1e-6)


def test_shift_moves_the_centre_of_mass_by_at_most_max_shift():
    images = digits()
    out = augment(images, np.random.default_rng(0), **{**STILL, "max_shift": 2.0})
    moved = centre_of_mass(out) - centre_of_mass(images.astype(np.float64))
    # Bilinear resampling moves the centre of mass exactly by the sub-pixel shift.
    assert np.abs(moved).max() <= 2.0 + 1e-3
    assert np.abs(moved).mean() > 0.5
    np.testing.assert_allclose(out.sum(axis=(1, 2)), images.sum(axis=(1, 2)) / 255, rtol=1e-4)


def test_rotation_and_shear_keep_the_ink_and_move_it():
    images = digits()
    for change in ({"max_rotate": 12.0}, {"max_shear": 0.2}):
        out = augment(images, np.random.default_rng(0), **{**STILL, **change})
        # Both keep area (determinant 1), up to resampling blur at the edges.
        np.testing.assert_allclose(out.sum(axis=(1, 2)), images.sum(axis=(1, 2)) / 255,
                                   rtol=0.03)
        assert np.median(np.abs(out - images / 255).sum(axis=(1, 2))) > 5.0


@pytest.mark.parametrize("factor", [0.9, 1.1])
def test_scale_changes_ink_by_the_square(factor):
    images = digits()
    out = augment(images, np.random.default_rng(0), **{**STILL, "scale": (factor, factor)})
    ratio = out.sum(axis=(1, 2)) / (images.sum(axis=(1, 2)) / 255)
    np.testing.assert_allclose(ratio, factor**2, rtol=0.03)


def test_strokes_get_thicker_and_thinner():
    images = digits(200)
    out = augment(images, np.random.default_rng(0), **{**STILL, "stroke": 1.0})
    ratio = out.sum(axis=(1, 2)) / (images.sum(axis=(1, 2)) / 255)
    # About half of each, at strengths uniform in 0..1.
    assert (ratio > 1.05).sum() > 60 and (ratio < 0.95).sum() > 50
    # Thinner strokes stay bright: a thin pen still draws full-strength ink.
    assert (out.max(axis=(1, 2)) == 1.0).all()
    # Stroke changes leave the digit where it was (give or take the shape's asymmetry).
    np.testing.assert_allclose(centre_of_mass(out), centre_of_mass(images.astype(float)),
                               atol=1.0)


def test_stroke_fraction():
    images = digits(400)
    out = augment(images, np.random.default_rng(0), **{**STILL, "stroke": 0.3})
    changed = np.abs(out - images / 255).max(axis=(1, 2)) > 1e-6
    assert 0.2 < changed.mean() < 0.4


@pytest.mark.parametrize("bad", [
    {"max_shift": -1}, {"max_rotate": -1}, {"max_shear": -0.1}, {"scale": (1.1, 0.9)},
    {"scale": (0.0, 1.0)}, {"stroke": 1.5},
])
def test_bad_arguments(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        augment(digits(2), np.random.default_rng(0), **bad)


def test_bad_shape():
    with pytest.raises(ValueError, match="N, H, W"):
        augment(np.zeros((28, 28), np.uint8), np.random.default_rng(0))
