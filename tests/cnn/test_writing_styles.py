import numpy as np

from cnn.writing_styles import add_slashed_zeros


def ring(size=28):
    """A '0'-like ring of bright pixels in an otherwise blank image."""
    ys, xs = np.mgrid[0:size, 0:size]
    r = np.hypot((ys - 14) / 9, (xs - 14) / 6)
    return ((np.abs(r - 1) < 0.15) * 255).astype(np.uint8)


def test_only_chosen_zeros_change_and_get_a_rising_slash():
    before = np.stack([ring()] * 6 + [np.zeros((28, 28), np.uint8)] * 2)
    labels = np.array([0, 0, 0, 0, 8, 8, 0, 0])
    images, changed = add_slashed_zeros(before, labels, np.random.default_rng(0), fraction=1.0)
    assert list(changed) == [0, 1, 2, 3, 6, 7]
    assert np.array_equal(images[4:6], before[4:6])  # not zeros: untouched
    assert not np.array_equal(images, before) and np.array_equal(before[0], ring())  # a copy
    for i in (0, 1, 2, 3):
        added = images[i].astype(int) - before[i]
        assert (added >= 0).all() and added.sum() > 255 * 10
        # the slash rises to the right: its centre line passes the ring's centre, lower-left to upper-right
        assert added[20:24, 6:12].sum() > 0 and added[4:8, 16:22].sum() > 0
        assert added[4:8, 6:12].sum() == 0 and added[20:24, 16:22].sum() == 0


def test_fraction_and_seed():
    labels = np.zeros(2000, int)
    images = np.repeat(ring()[None], 2000, axis=0)
    first, changed = add_slashed_zeros(images, labels, np.random.default_rng(5), fraction=0.2)
    assert 300 < len(changed) < 500
    again, changed_again = add_slashed_zeros(images, labels, np.random.default_rng(5), fraction=0.2)
    assert np.array_equal(changed, changed_again) and np.array_equal(first, again)
    unchanged, none = add_slashed_zeros(images, labels, np.random.default_rng(5), fraction=0.0)
    assert len(none) == 0 and np.array_equal(unchanged, images)
