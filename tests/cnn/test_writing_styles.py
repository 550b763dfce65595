"""Writing styles MNIST lacks (slashed zeros, crossed sevens, flagged ones), drawn on and renormalised."""
import numpy as np
import pytest

from cnn import load_mnist
from cnn.preprocess import center_of_mass, to_mnist
from cnn.writing_styles import add_slashed_zeros, add_writing_styles
from tests import synthetic_mnist

YS, XS = np.mgrid[0:28, 0:28]


def stroke(a, b, half_width=1.3):
    """A uint8 28x28 picture of the segment from ``a`` to ``b`` (points as (x, y))."""
    (ax, ay), (bx, by) = a, b
    t = np.clip(((XS - ax) * (bx - ax) + (YS - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2), 0, 1)
    distance = np.hypot(XS - ax - t * (bx - ax), YS - ay - t * (by - ay))
    return (np.clip(half_width + 0.5 - distance, 0, 1) * 255).astype(np.uint8)


RING = (np.clip(1.5 - np.abs(np.hypot(YS - 14, XS - 14) - 6), 0, 1) * 255).astype(np.uint8)  # a round "0"
ONE = stroke((14, 4), (14, 23))  # a plain vertical "1"
SEVEN = np.maximum(stroke((7, 5), (21, 5)), stroke((21, 5), (12, 24)))  # top bar and a slanting stem


def styled(image, label, n=60, seed=0):
    """``n`` copies of ``image``, all labelled ``label``, all given the style (share 1)."""
    images, labels = np.repeat(image[None], n, 0), np.full(n, label)
    out, changed = add_writing_styles(images, labels, np.random.default_rng(seed), 1.0)
    assert list(changed) == list(range(n))
    return out


def ink_rows_cols(image):
    return np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))


def assert_fits_mnist_box(image):
    rows, cols = ink_rows_cols(image)
    assert 19 <= max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 21, (rows, cols)  # the longer side: 20 px
    assert np.allclose(center_of_mass(image.astype(float)), 14, atol=1.0), center_of_mass(image.astype(float))


@pytest.fixture(scope="module")
def bars():
    return synthetic_mnist.bars(3000, seed=3)


def test_only_the_chosen_zeros_sevens_and_ones_change_in_a_copy(bars):
    images, labels = bars
    before = images.copy()
    out, changed = add_writing_styles(images, labels, np.random.default_rng(1), share=0.3)
    assert np.array_equal(images, before)  # the input is left alone
    differs = np.flatnonzero((out != images).any(axis=(1, 2)))
    assert np.array_equal(differs, changed)  # exactly the reported digits changed, the rest byte-identical
    assert set(labels[changed]) == {0, 1, 7}
    for label in (0, 1, 7):
        n = np.sum(labels == label)
        chosen = np.sum(labels[changed] == label)
        assert abs(chosen - 0.3 * n) < 4 * np.sqrt(n * 0.3 * 0.7), (label, chosen, n)  # binomial, 4 sigma
    for i in changed[:40]:
        assert_fits_mnist_box(out[i])


def test_the_same_seed_repeats_and_share_0_changes_nothing(bars):
    images, labels = bars[0][:600], bars[1][:600]
    first, changed = add_writing_styles(images, labels, np.random.default_rng(7), share=0.3)
    again, changed_again = add_writing_styles(images, labels, np.random.default_rng(7), share=0.3)
    assert np.array_equal(first, again) and np.array_equal(changed, changed_again)
    other, changed_other = add_writing_styles(images, labels, np.random.default_rng(8), share=0.3)
    assert not np.array_equal(changed, changed_other)
    unchanged, none = add_writing_styles(images, labels, np.random.default_rng(7), share=0.0)
    assert len(none) == 0 and np.array_equal(unchanged, images) and unchanged is not images


@pytest.mark.parametrize("image, label", [(RING, 0), (ONE, 1), (SEVEN, 7)])
def test_a_changed_digit_fits_mnists_box_again(image, label):
    for digit in styled(image, label):
        assert_fits_mnist_box(digit)


def test_real_mnist_digits_fit_the_box_after_styling(mnist_dir):
    images, labels = load_mnist("test", mnist_dir)
    keep = np.flatnonzero(np.isin(labels, (0, 1, 7)))[:300]
    out, changed = add_writing_styles(images[keep], labels[keep], np.random.default_rng(0), share=1.0)
    assert len(changed) == 300
    for digit in out:
        assert_fits_mnist_box(digit)


def assert_slashed(zeros):
    """A "/" through each ring: ink sticks out below-left and above-right of it only; the ring shrank."""
    for digit in zeros:
        cy, cx = center_of_mass(digit.astype(float))
        height = np.ptp(np.flatnonzero(digit[:, int(round(cx))])) + 1  # the ring's top to its bottom
        assert height <= 18, height  # the slash widened the box, so the ring inside it got smaller
        outside = (np.hypot(YS - cy, XS - cx) > height / 2 + 1.5) & (digit > 64)
        below, left = YS > cy, XS < cx
        assert outside[below & left].sum() >= 2 and outside[~below & ~left].sum() >= 2
        assert outside[~below & left].sum() == 0 and outside[below & ~left].sum() == 0


def test_zeros_get_a_rising_slash_that_sticks_out():
    clean_rows, _ = ink_rows_cols(to_mnist(RING / 255) > 0.25)
    assert len(clean_rows) >= 19  # without the slash, the ring alone would fill the 20 px box
    assert_slashed(styled(RING, 0))


def test_add_slashed_zeros_slashes_only_the_digit_it_is_told():
    images = np.stack([RING] * 40)
    labels = np.array([0, 6] * 20)
    out, changed = add_slashed_zeros(images, labels, np.random.default_rng(2), fraction=1.0, zero=6)
    assert list(changed) == list(range(1, 40, 2))
    assert np.array_equal(out[0::2], images[0::2])
    assert_slashed(out[changed])


def test_ones_get_a_flag_up_to_the_left_and_some_a_foot():
    reach, feet = [], 0
    for digit in styled(ONE, 1, n=100):
        ink = digit > 64
        rows, _ = ink_rows_cols(ink)
        top, height = rows[0], len(rows)
        stem = np.flatnonzero(ink.sum(axis=0) >= 0.6 * height)  # columns inked most of the way down
        upper = np.flatnonzero(ink[top:top + height // 2].any(axis=0))
        assert upper[-1] <= stem[-1] + 1, (upper, stem)  # nothing sticks out to the right
        reach.append(stem[0] - upper[0])
        bottom = np.flatnonzero(ink[rows[-1] - 1:rows[-1] + 1].any(axis=0))
        feet += len(bottom) >= len(stem) + 3  # a foot widens the stem's bottom end
    # The flag reaches out to the left of the stem; only a short, steep one may stay within a pixel.
    reach = np.array(reach)
    assert reach.min() >= 0 and np.mean(reach >= 1) >= 0.9 and np.median(reach) >= 3, sorted(reach)
    assert 20 <= feet <= 60, feet  # about 40 of 100


def test_sevens_get_a_bar_across_the_middle_of_the_stem():
    for digit in styled(SEVEN, 7):
        ink = digit > 64
        rows, _ = ink_rows_cols(ink)
        top, height = rows[0], len(rows)
        width = ink.sum(axis=1)
        centre = (ink * XS).sum(axis=1) / np.maximum(width, 1)
        # the stem's line and width, from rows below the top bar and rows well below the middle
        stem = np.r_[top + int(0.25 * height):top + int(0.38 * height), top + int(0.75 * height):rows[-1] - 1]
        line = np.polyfit(stem, centre[stem], 1)
        half = np.median(width[stem]) / 2
        crossed = [r for r in rows if r > top + 0.2 * height and width[r] >= 2 * half + 4]  # not the top bar
        assert crossed, "no bar across the stem"
        assert all(top + 0.3 * height <= r <= top + 0.7 * height for r in crossed), (crossed, top, height)
        left = max(np.polyval(line, r) - half - np.flatnonzero(ink[r])[0] for r in crossed)
        right = max(np.flatnonzero(ink[r])[-1] - np.polyval(line, r) - half for r in crossed)
        assert left >= 1 and right >= 1, (left, right)  # new ink on both sides of the stem


def test_a_chosen_image_without_ink_gets_the_stroke_alone():
    # With no ink the "ink box" is the whole padded 48x48 field, so the stroke alone is drawn there and
    # fitted to the box: a lone "/" for a zero, a lone bar for a seven. A one gets a flag at the field's
    # top edge plus a dot in its bottom-left corner (the zero-length foot at column 0), 20 px apart, so
    # its centre of mass can't be brought to the middle. No crash, and uint8 as usual.
    blank = np.zeros((3, 28, 28), np.uint8)
    out, changed = add_writing_styles(blank, np.array([0, 7, 1]), np.random.default_rng(0), 1.0)
    assert list(changed) == [0, 1, 2] and out.dtype == np.uint8 and not blank.any()
    slash, bar, flag = out
    assert_fits_mnist_box(slash)
    assert_fits_mnist_box(bar)
    slash = slash > 64
    assert slash[18:24, 4:10].any() and slash[4:10, 18:24].any() and not slash[:12, :12].any()
    rows, cols = ink_rows_cols(bar)
    assert np.ptp(cols) == 19 and np.ptp(rows) <= 8  # a flat bar
    rows, _ = ink_rows_cols(flag)
    assert flag.max() == 255 and np.ptp(rows) == 19
