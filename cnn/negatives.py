"""Drawings that are not digits, made up to teach the network to say "not a digit".

A network trained on digits alone names every input a digit, often with near certainty: a
scribble an 8, a dot a 0, a dash a 2. Shown examples of *none of these* during training (label
``NONE``; ``cnn.cross_entropy`` gives them a uniform target), it learns to spread its belief on
them instead, so a low top probability comes to mean "not a digit". The examples are generated,
never taken from real pen data:

- letters and symbols that no reader takes for a digit, from the DejaVu fonts, thinned to
  their centre lines and drawn again with MNIST's pen (``render_strokes``), so they look drawn;
- scribbles (random curling strokes), dots, dashes and bars, drawn the same way;
- two MNIST digits on top of each other, off-centre;
- pictures with no digit in them (noise, a gradient), through the picture path.
"""
from pathlib import Path

import numpy as np

from .preprocess import ink_from_image, to_mnist
from .render import render_strokes

NONE = 10  # the label of "not a digit" in training data
# Letters and symbols nobody reads as a digit. Left out: O o D Q (0), I l i j J T t ! | / (1, 7),
# Z z (2), S s (5), G b (6), B (8), g q (9), and anything else a hasty hand turns into a digit.
GLYPHS = "ACEFHKLMNPRUVWXYacdefhkmnpruvwxy#$%&*+<>@[]~=?"
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))
# Debian's fonts-dejavu-core (6 faces) and fonts-dejavu-extra (16 more): the shipped weights
# were trained with all 22.
FONT_FILES = "DejaVu*"
_GLYPH_SIZE = 96  # pixels a glyph is drawn at before it is thinned
# Shares of the kinds, in the order of ``_KINDS`` below.
SHARES = {"glyphs": 0.35, "scribbles": 0.25, "marks": 0.2, "overlaps": 0.12, "pictures": 0.08}


def find_fonts(dirs=FONT_DIRS, pattern=FONT_FILES):
    """The font files named like ``pattern`` under ``dirs``, sorted.

    Only the DejaVu family by default, so the glyphs, and the weights trained on them, don't
    change when some other package happens to install fonts.
    """
    found = []
    for folder in dirs:
        if Path(folder).is_dir():
            found += [p for p in Path(folder).rglob(pattern) if p.suffix.lower() in (".ttf", ".otf")]
    return sorted(found)


def make_negatives(n, rng, digits=None, fonts=None):
    """Up to ``n`` made-up non-digits as uint8 ``(n, 28, 28)`` MNIST-style images (ink bright).

    Args:
        n: how many.
        rng: ``numpy.random.Generator``.
        digits: uint8 ``(M, 28, 28)`` MNIST digits to overlap in pairs; None leaves overlaps out.
        fonts: font files for the glyphs; None looks for them (``find_fonts``); none found (or
            Pillow missing) leaves glyphs out. The other kinds take up the shares left out.
    """
    fonts = find_fonts() if fonts is None else list(fonts)
    kinds = {"glyphs": _glyphs if fonts else None, "scribbles": _scribbles, "marks": _marks,
             "overlaps": _overlaps if digits is not None and len(digits) > 1 else None,
             "pictures": _pictures}
    usable = [k for k, make in kinds.items() if make is not None]
    shares = np.array([SHARES[k] for k in usable])
    counts = rng.multinomial(n, shares / shares.sum())
    parts = []
    for kind, count in zip(usable, counts):
        if count:
            if kind == "glyphs":
                parts.append(_glyphs(count, rng, fonts))
            elif kind == "overlaps":
                parts.append(_overlaps(count, rng, digits))
            else:
                parts.append(kinds[kind](count, rng))
    out = np.concatenate(parts) if parts else np.zeros((0, 28, 28), np.uint8)
    if len(out):
        out = out[out.reshape(len(out), -1).max(axis=1) > 0]  # a font without the glyph draws nothing
    return out[rng.permutation(len(out))]


def _to_uint8(images):
    return np.rint(np.clip(np.stack(images), 0, 1) * 255).astype(np.uint8)


def _pen(rng):
    return float(rng.uniform(1.8, 3.2))


def _scribbles(count, rng):
    """Random curling strokes: the direction turns a random amount at every step, 1-3 strokes."""
    out = []
    for _ in range(count):
        strokes = []
        for _ in range(rng.integers(1, 4)):
            steps = rng.integers(40, 200)
            turn = np.cumsum(rng.normal(0, rng.uniform(0.2, 0.7), steps)) + rng.uniform(0, 2 * np.pi)
            points = np.cumsum(np.stack([np.cos(turn), np.sin(turn)], 1), axis=0) + rng.normal(0, 10, 2)
            strokes.append(points)
        out.append(render_strokes(strokes, _pen(rng)))
    return _to_uint8(out)


def _marks(count, rng):
    """Dots, dashes and bars: one to four dots, a dash within 30 degrees of level, "=" or a tick."""
    out = []
    for _ in range(count):
        kind = rng.integers(4)
        if kind == 0:  # dots
            strokes = [[tuple(rng.uniform(0, 1, 2))] for _ in range(rng.integers(1, 5))]
        elif kind == 1:  # a dash, maybe wavy
            angle = np.deg2rad(rng.uniform(-30, 30))
            t = np.linspace(0, 1, 20)
            wave = rng.uniform(0, 0.08) * np.sin(t * rng.uniform(2, 9))
            strokes = [list(zip(t * np.cos(angle) - wave * np.sin(angle), t * np.sin(angle) + wave * np.cos(angle)))]
        elif kind == 2:  # two or three bars
            gap = rng.uniform(0.25, 0.6)
            strokes = [[(rng.uniform(0, 0.15), i * gap), (rng.uniform(0.85, 1), i * gap + rng.normal(0, 0.05))]
                       for i in range(rng.integers(2, 4))]
        else:  # a short tick: a dot with a tail
            strokes = [[(0, 0), tuple(rng.uniform(0.1, 0.35, 2) * rng.choice([-1, 1], 2))]]
        out.append(render_strokes(strokes, _pen(rng)))
    return _to_uint8(out)


def _overlaps(count, rng, digits):
    """Two MNIST digits (picked at random) on top of each other, shifted apart, fitted again like one."""
    first, second = rng.integers(len(digits), size=(2, count))
    out = []
    for a, b in zip(first, second):
        field = np.zeros((40, 48), np.float32)
        dx, dy = rng.integers(4, 12), rng.integers(-4, 5)
        field[6:34, 10:38] = digits[a] / 255.0
        field[6 + dy:34 + dy, 10 + dx - 8:38 + dx - 8] = np.maximum(
            field[6 + dy:34 + dy, 10 + dx - 8:38 + dx - 8], digits[b] / 255.0)
        out.append(to_mnist(field))
    return _to_uint8(out)


def _pictures(count, rng):
    """Pictures with no digit: noise of random grain, or a gradient, read as a picture would be."""
    out = []
    for _ in range(count):
        size = int(rng.integers(16, 64))
        if rng.random() < 0.5:
            grain = int(rng.integers(1, 5))
            noise = rng.random((size // grain + 1, size // grain + 1))
            pixels = np.kron(noise, np.ones((grain, grain)))[:size, :size]
        else:
            ys, xs = np.mgrid[0:size, 0:size] / size
            angle = rng.uniform(0, 2 * np.pi)
            pixels = np.cos(angle) * xs + np.sin(angle) * ys
            pixels = (pixels - pixels.min()) / max(np.ptp(pixels), 1e-6)
        image = to_mnist(ink_from_image(pixels.astype(np.float32)))
        out.append(np.zeros((28, 28), np.float32) if image is None else image)
    return _to_uint8(out)


def _glyphs(count, rng, fonts):
    """Letters and symbols from ``fonts``, thinned to centre lines and drawn with MNIST's pen.

    Each (font, glyph) pair is drawn once per call and repeated as often as it was picked: the
    per-batch distortions of training make the copies differ.
    """
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:  # Pillow comes with the app; without it, no glyphs
        return np.zeros((0, 28, 28), np.uint8)
    picks = rng.integers(len(fonts), size=count) * len(GLYPHS) + rng.integers(len(GLYPHS), size=count)
    unique, which = np.unique(picks, return_inverse=True)
    masks = []
    for pick in unique:
        font = ImageFont.truetype(str(fonts[pick // len(GLYPHS)]), int(_GLYPH_SIZE * 0.7))
        canvas = Image.new("L", (_GLYPH_SIZE, _GLYPH_SIZE), 0)
        ImageDraw.Draw(canvas).text((_GLYPH_SIZE // 2, _GLYPH_SIZE // 2), GLYPHS[pick % len(GLYPHS)],
                                    fill=255, font=font, anchor="mm")
        masks.append(np.asarray(canvas) > 127)
    drawn = []
    for centre in skeletonize(np.stack(masks)):  # all glyphs thinned together, vectorised
        ys, xs = np.nonzero(centre)
        image = render_strokes([[(x, y)] for x, y in zip(xs, ys)], _pen(rng)) if len(xs) else None
        drawn.append(np.zeros((28, 28), np.float32) if image is None else image)
    return _to_uint8(drawn)[which]


def skeletonize(ink):
    """Zhang-Suen thinning of ``ink`` (N, H, W) bool: one-pixel-wide centre lines, same shape."""
    image = np.pad(np.asarray(ink, dtype=bool), ((0, 0), (1, 1), (1, 1)))
    changed = True
    while changed:
        changed = False
        for first in (True, False):
            remove = _removable(image, first)
            if remove.any():
                image[:, 1:-1, 1:-1] &= ~remove
                changed = True
    return image[:, 1:-1, 1:-1]


def _removable(image, first):
    """The pixels one Zhang-Suen sub-iteration deletes from ``image`` (padded by one)."""
    h, w = image.shape[1] - 2, image.shape[2] - 2

    def at(dy, dx):
        return image[:, 1 + dy:1 + dy + h, 1 + dx:1 + dx + w]

    ring = [at(-1, 0), at(-1, 1), at(0, 1), at(1, 1), at(1, 0), at(1, -1), at(0, -1), at(-1, -1)]
    count = sum(p.astype(np.uint8) for p in ring)
    turns = sum((~ring[i] & ring[(i + 1) % 8]).astype(np.uint8) for i in range(8))
    p2, p4, p6, p8 = ring[0], ring[2], ring[4], ring[6]
    side = (~(p2 & p4 & p6) & ~(p4 & p6 & p8)) if first else (~(p2 & p4 & p8) & ~(p2 & p6 & p8))
    return at(0, 0) & (count >= 2) & (count <= 6) & (turns == 1) & side
