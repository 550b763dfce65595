"""cnn.negatives: made-up non-digits (shape, MNIST look, seeds, kinds) and Zhang-Suen thinning."""
import os
from collections import deque

import numpy as np
import pytest

from cnn import negatives
from cnn.negatives import GLYPHS, NONE, SHARES, find_fonts, make_negatives, skeletonize
from cnn.preprocess import center_of_mass
from cnn.render import render_strokes

KINDS = ("glyphs", "scribbles", "marks", "overlaps", "pictures")


def machine_fonts():
    """The fonts here; skips without them (fails on CI, which installs fonts-dejavu-core)."""
    fonts = find_fonts()
    if not fonts:
        if os.environ.get("CI") == "true":
            pytest.fail("no TrueType fonts found on CI: is fonts-dejavu-core installed?")
        pytest.skip("no TrueType fonts under /usr/share/fonts (install fonts-dejavu-core)")
    return fonts


def drawn_digits():
    """Two MNIST-style digits, uint8 (2, 28, 28), drawn with MNIST's pen (no MNIST files needed)."""
    seven = [[(0.2, 0.1), (0.8, 0.12), (0.45, 0.9)]]
    t = np.linspace(0, 2 * np.pi, 30)
    zero = [list(zip(0.5 + 0.3 * np.cos(t), 0.5 + 0.45 * np.sin(t)))]
    return np.rint(np.stack([render_strokes(seven), render_strokes(zero)]) * 255).astype(np.uint8)


def spy_on_kinds(monkeypatch):
    """Wrap each kind's maker; returns {kind: [uint8 arrays it made]}."""
    made = {kind: [] for kind in KINDS}
    for kind in KINDS:
        real = getattr(negatives, f"_{kind}")

        def spy(count, rng, *rest, real=real, kind=kind):
            out = real(count, rng, *rest)
            made[kind].append(out)
            return out
        monkeypatch.setattr(negatives, f"_{kind}", spy)
    return made


def ink_box(image):
    """Height and width of the bounding box of the pixels with any ink."""
    ys, xs = np.nonzero(image > 0)
    return int(np.ptp(ys)) + 1, int(np.ptp(xs)) + 1


def components(mask, diagonal):
    """Number of connected regions of ``mask (H, W)`` (8-connected if ``diagonal``, else 4)."""
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)] + ([(-1, -1), (-1, 1), (1, -1), (1, 1)] if diagonal else [])
    seen, count = np.zeros_like(mask, bool), 0
    for start in zip(*np.nonzero(mask)):
        if seen[start]:
            continue
        count += 1
        seen[start] = True
        queue = deque([start])
        while queue:
            y, x = queue.popleft()
            for dy, dx in steps:
                q = (y + dy, x + dx)
                if 0 <= q[0] < mask.shape[0] and 0 <= q[1] < mask.shape[1] and mask[q] and not seen[q]:
                    seen[q] = True
                    queue.append(q)
    return count


def has_full_2x2(mask):
    return bool((mask[..., :-1, :-1] & mask[..., 1:, :-1] & mask[..., :-1, 1:] & mask[..., 1:, 1:]).any())


# -- make_negatives ------------------------------------------------------------------------------

def test_shape_dtype_and_no_blank_image():
    out = make_negatives(150, np.random.default_rng(0), digits=drawn_digits(), fonts=find_fonts()[:2])
    assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[1:] == (28, 28)
    assert 0 < len(out) <= 150
    assert (out.reshape(len(out), -1).max(axis=1) > 0).all()


def test_no_negatives_is_an_empty_stack():
    out = make_negatives(0, np.random.default_rng(0))
    assert out.shape == (0, 28, 28) and out.dtype == np.uint8


def test_each_kind_looks_like_an_mnist_image(monkeypatch):
    made = spy_on_kinds(monkeypatch)
    make_negatives(300, np.random.default_rng(1), digits=drawn_digits(), fonts=machine_fonts()[:4])
    assert all(made[kind] for kind in KINDS), {kind: len(v) for kind, v in made.items()}
    for kind, parts in made.items():
        for image in np.concatenate(parts):
            if not image.any():
                continue  # a font without the glyph: make_negatives drops it
            height, width = ink_box(image)
            if kind == "marks" and max(height, width) <= 4:
                continue  # a lone dot has no size to scale up: it stays one pen wide, as a tap does
            assert 19 <= max(height, width) <= 20 and min(height, width) >= 1, (kind, height, width)
            row, col = center_of_mass(image.astype(np.float64))
            assert abs(row - 14) <= 2 and abs(col - 14) <= 2, (kind, row, col)


def test_same_seed_same_output_and_another_seed_another():
    fonts, digits = find_fonts()[:3], drawn_digits()
    first = make_negatives(60, np.random.default_rng(7), digits=digits, fonts=fonts)
    again = make_negatives(60, np.random.default_rng(7), digits=digits, fonts=fonts)
    other = make_negatives(60, np.random.default_rng(8), digits=digits, fonts=fonts)
    np.testing.assert_array_equal(first, again)
    assert first.shape != other.shape or not np.array_equal(first, other)


@pytest.mark.parametrize("digits", [None, "one"])
def test_kinds_left_out_when_unavailable(monkeypatch, digits):
    made = spy_on_kinds(monkeypatch)
    digits = drawn_digits()[:1] if digits == "one" else None  # one digit cannot make a pair
    out = make_negatives(120, np.random.default_rng(2), digits=digits, fonts=[])
    assert len(out) == 120
    assert not made["glyphs"] and not made["overlaps"]
    assert made["scribbles"] and made["marks"] and made["pictures"]
    assert sum(len(part) for kind in KINDS for part in made[kind]) == 120


def test_overlaps_are_no_single_digit(monkeypatch):
    made = spy_on_kinds(monkeypatch)
    digits = drawn_digits()
    make_negatives(200, np.random.default_rng(6), digits=digits, fonts=[])
    overlaps = np.concatenate(made["overlaps"]).astype(np.float64)
    assert len(overlaps) > 10
    for image in overlaps:
        assert min(np.abs(image - digit).mean() for digit in digits) > 5  # out of 255


def stub_kinds(monkeypatch, blank_every=0):
    """Replace each maker with one whose images are filled with the kind's number (1..5)."""
    for number, kind in enumerate(KINDS, 1):
        def stub(count, rng, *rest, number=number):
            out = np.full((count, 28, 28), number, np.uint8)
            if blank_every:
                out[::blank_every] = 0
            return out
        monkeypatch.setattr(negatives, f"_{kind}", stub)


def test_kinds_come_in_their_shares_and_shuffled(monkeypatch):
    stub_kinds(monkeypatch)
    out = make_negatives(20_000, np.random.default_rng(3), digits=drawn_digits(), fonts=["some.ttf"])
    counts = np.bincount(out[:, 0, 0], minlength=6)[1:]
    np.testing.assert_allclose(counts / len(out), [SHARES[k] for k in KINDS], atol=0.01)
    assert len(np.unique(out[:50, 0, 0])) > 1  # not one kind after another
    out = make_negatives(20_000, np.random.default_rng(3), fonts=[])  # glyphs and overlaps left out
    counts = np.bincount(out[:, 0, 0], minlength=6)[1:]
    left = np.array([0, SHARES["scribbles"], SHARES["marks"], 0, SHARES["pictures"]])
    np.testing.assert_allclose(counts / len(out), left / left.sum(), atol=0.01)


def test_blank_images_are_dropped(monkeypatch):
    stub_kinds(monkeypatch, blank_every=4)
    out = make_negatives(400, np.random.default_rng(4), fonts=[])
    assert 0 < len(out) < 400 and (out.reshape(len(out), -1).max(axis=1) > 0).all()


def test_machine_fonts_give_glyph_negatives(monkeypatch):
    made = spy_on_kinds(monkeypatch)
    out = make_negatives(100, np.random.default_rng(5), fonts=machine_fonts()[:4])
    glyphs = np.concatenate(made["glyphs"])
    drawn = glyphs[glyphs.reshape(len(glyphs), -1).max(axis=1) > 0]
    assert len(drawn) >= 0.9 * len(glyphs) > 0  # these fonts have these characters
    found = {image.tobytes() for image in out}
    assert all(image.tobytes() in found for image in drawn)


def test_glyphs_hold_no_digit_or_look_alike():
    look_alikes = set("OoDQIlijJTt!|/ZzSsGbBgq")  # the module comment's list
    assert GLYPHS and len(set(GLYPHS)) == len(GLYPHS)
    assert not any(c.isdigit() or c.isspace() for c in GLYPHS)
    assert not look_alikes & set(GLYPHS), sorted(look_alikes & set(GLYPHS))
    assert NONE == 10


# -- skeletonize ---------------------------------------------------------------------------------

def thick_bar():
    bar = np.zeros((21, 50), bool)
    bar[6:15, 5:45] = True  # 9 rows thick; the middle row is 10
    return bar


def thick_ring():
    ys, xs = np.mgrid[0:41, 0:41]
    radius = np.hypot(ys - 20, xs - 20)
    return (radius >= 9) & (radius <= 15)


def test_skeleton_of_a_thick_bar_is_its_middle_line():
    bar = thick_bar()
    line = skeletonize(bar[None])[0]
    assert line.dtype == bool and line.shape == bar.shape
    assert not has_full_2x2(line)
    rows, cols = np.nonzero(line)
    assert set(rows) == {10}
    assert np.ptp(cols) + 1 >= 0.6 * 40 and abs(cols.mean() - 24.5) <= 1
    assert (line <= bar).all()


def test_skeleton_of_a_thick_ring_is_one_thin_loop():
    ring = thick_ring()
    loop = skeletonize(ring[None])[0]
    assert not has_full_2x2(loop)
    assert components(loop, diagonal=True) == 1
    assert components(~loop, diagonal=False) == 2  # a closed loop: inside and outside stay apart
    ys, xs = np.nonzero(loop)
    assert np.abs(np.hypot(ys - 20, xs - 20) - 12).max() <= 1.5
    assert (loop <= ring).all()


def test_skeletonize_works_on_a_batch_and_leaves_lines_alone():
    bar, ring = thick_bar(), thick_ring()
    batch = np.zeros((3, 41, 50), bool)
    batch[0, :21] = bar
    batch[1, :, :41] = ring
    before = batch.copy()
    thin = skeletonize(batch)
    np.testing.assert_array_equal(batch, before)  # the input is not thinned in place
    np.testing.assert_array_equal(thin[0, :21], skeletonize(bar[None])[0])
    np.testing.assert_array_equal(thin[1, :, :41], skeletonize(ring[None])[0])
    assert not thin[2].any()
    np.testing.assert_array_equal(skeletonize(thin), thin)  # a one-pixel line has nothing to lose


def test_only_dejavu_fonts_are_used_whatever_else_is_installed(tmp_path):
    """Fonts another package installs must not change the glyphs (and so the trained weights)."""
    for name in ("sub/DejaVuSans.ttf", "sub/DejaVuSerif-Bold.ttf", "NimbusRoman-Bold.otf", "Other.ttf",
                 "DejaVuSans.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    found = negatives.find_fonts([str(tmp_path)])
    assert [p.name for p in found] == ["DejaVuSans.ttf", "DejaVuSerif-Bold.ttf"]
