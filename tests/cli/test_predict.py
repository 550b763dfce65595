"""``app.py predict`` in-process: one line per file, every file read, odd names and damage reported."""
import io
import os
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

import app
import cnn

DIGIT_LINE = re.compile(r"^(?P<name>.+): (?P<digit>\d) \((?P<conf>[\d.]+)%\)  "
                        + " ".join(rf"{d}:(?P<p{d}>[\d.]+)" for d in range(10)) + r"(?P<rest>.*)$")
UNSURE_LINE = re.compile(r"^(?P<name>.+): not sure, not a digit\? "
                         r"\(best guess (?P<digit>\d), (?P<conf>[\d.]+)%\)  "
                         + " ".join(rf"{d}:(?P<p{d}>[\d.]+)" for d in range(10)) + r"(?P<rest>.*)$")


def one(path, **options):
    """A '1' drawn dark on white (what the shipped weights read best)."""
    image = Image.new("RGB", (200, 200), "white")
    ImageDraw.Draw(image).line([(100, 30), (100, 170)], fill="black", width=14)
    image.save(path, **options)
    return path


def predict(capsys, *paths):
    """Run ``app.py predict`` on ``paths``: (exit status, stdout lines, stderr lines)."""
    status = app.main(["predict", *map(str, paths)])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err.splitlines()


def test_good_file_keeps_the_output_format(tmp_path, capsys):
    status, out, err = predict(capsys, one(tmp_path / "one.png"))
    assert status == 0 and err == []
    [line] = out
    match = DIGIT_LINE.match(line)
    assert match and match["name"] == str(tmp_path / "one.png") and match["digit"] == "1"
    assert match["rest"] == ""
    assert abs(sum(float(match[f"p{d}"]) for d in range(10)) - 1) < 0.01


def test_blank_picture_says_no_digit_found(tmp_path, capsys):
    Image.new("L", (50, 50), 255).save(tmp_path / "blank.png")
    status, out, _ = predict(capsys, tmp_path / "blank.png")
    assert status == 1 and out == [f"{tmp_path / 'blank.png'}: no digit found (the image is blank)"]


def test_near_flat_noisy_picture_is_blank(tmp_path, capsys):
    # 249..251 on 0..255: sensor noise, not a digit, however much the contrast is stretched.
    noise = np.random.default_rng(0).integers(249, 252, (50, 50)).astype(np.uint8)
    assert noise.min() == 249 and noise.max() == 251
    Image.fromarray(noise).save(tmp_path / "noise.png")
    status, out, err = predict(capsys, tmp_path / "noise.png")
    assert status == 1 and err == []
    assert out == [f"{tmp_path / 'noise.png'}: no digit found (the image is blank)"]


def tight_binary_crop(digit, size):
    """An MNIST digit cut to its ink, shrunk (area average) so its longer side is ``size``, no
    border at all, thresholded at 128: a 1-bit picture, dark ink on white."""
    rows, cols = np.flatnonzero(digit.max(axis=1)), np.flatnonzero(digit.max(axis=0))
    crop = digit[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = size / max(crop.shape)
    shape = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    small = np.asarray(Image.fromarray(crop).resize(shape, Image.BOX))
    paper = np.where(small >= 128, 0, 255).astype(np.uint8)
    return Image.fromarray(paper).convert("1", dither=Image.Dither.NONE)


@pytest.mark.parametrize("size", [16, 32])
def test_tightly_cropped_binary_mnist_digits_are_read(tmp_path, capsys, mnist_dir, size):
    # Ink touches much of the border of such a crop; the paper must still be found as paper.
    images, labels = cnn.load_mnist("test", mnist_dir)
    picked = np.arange(0, len(images), 33)[:300]
    paths = []
    for i in picked:
        picture = tight_binary_crop(images[i], size)
        assert picture.mode == "1" and max(picture.size) == size
        paths.append(tmp_path / f"{i:05d}.png")
        picture.save(paths[-1])
    status, out, err = predict(capsys, *paths)
    assert err == [] and len(out) == len(paths)
    assert not [line for line in out if "blank" in line]
    matches = [DIGIT_LINE.match(line) or UNSURE_LINE.match(line) for line in out]
    assert all(matches) and [m["name"] for m in matches] == list(map(str, paths))
    # The digit printed (the best guess, also on a "not sure" line) is right for 97% or more.
    right = sum(int(m["digit"]) == labels[i] for m, i in zip(matches, picked))
    assert right / len(picked) >= 0.97, f"{right} of {len(picked)} read right at {size} px"
    # So few pixels leave the network unsure of some; of the ones it is sure of, it gets 98% right.
    sure = [(m, i) for m, i in zip(matches, picked) if m.re is DIGIT_LINE]
    assert len(sure) >= 0.9 * len(picked)
    assert sum(int(m["digit"]) == labels[i] for m, i in sure) >= 0.98 * len(sure)
    assert status == 0


def test_one_bad_file_among_several_the_others_are_still_read(tmp_path, capsys):
    good, blank = one(tmp_path / "a.png"), tmp_path / "blank.png"
    Image.new("L", (50, 50), 255).save(blank)
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"not a picture" * 30)
    cut = tmp_path / "cut.png"
    cut.write_bytes(one(tmp_path / "whole.png").read_bytes()[:300])
    status, out, err = predict(capsys, good, tmp_path / "missing.png", garbage, blank, cut, one(tmp_path / "z.jpg"))
    assert status == 2
    assert [line.split(":")[0] for line in out] == [str(good), str(blank), str(tmp_path / "z.jpg")]
    assert DIGIT_LINE.match(out[0])["digit"] == "1" and "no digit found" in out[1]
    assert err == [f"app.py predict: error: {tmp_path / 'missing.png'}: no such file",
                   f"app.py predict: error: {garbage}: not a picture (or not a kind read here: "
                   "BMP, GIF, ICO, JPEG, PNG, PPM, TIFF, WEBP)",
                   f"app.py predict: error: {cut}: the file is cut short (truncated)"]


def test_picture_over_the_pixel_limit_is_an_error_line(tmp_path, capsys):
    Image.new("1", (8000, 8000), 1).save(tmp_path / "huge.png")
    status, out, err = predict(capsys, tmp_path / "huge.png", one(tmp_path / "one.png"))
    assert status == 2 and len(out) == 1 and out[0].startswith(str(tmp_path / "one.png"))
    [line] = err
    assert line.startswith(f"app.py predict: error: {tmp_path / 'huge.png'}: ")
    assert line.endswith("64,000,000 pixels is over the 50-megapixel limit (refused before decoding)")


def damaged_jpeg(path):
    buffer = io.BytesIO()
    one(buffer, format="JPEG", quality=90)
    jpeg = bytearray(buffer.getvalue())
    sos = jpeg.index(b"\xff\xda")
    middle = (sos + len(jpeg)) // 2
    jpeg[middle:middle + 40] = bytes(40)
    path.write_bytes(jpeg)
    return path


def test_damaged_jpeg_gets_a_warning_on_its_line(tmp_path, capsys):
    status, out, err = predict(capsys, damaged_jpeg(tmp_path / "bad.jpg"), one(tmp_path / "good.jpg"))
    assert status == 1 and err == []
    damaged, good = (DIGIT_LINE.match(line) or UNSURE_LINE.match(line) for line in out)  # damage may blur it
    assert damaged["name"] == str(tmp_path / "bad.jpg")
    assert damaged["rest"] == "  warning: the file looks damaged (corrupt JPEG data)"
    assert good["rest"] == ""


@pytest.mark.parametrize("raw, shown", [
    (b"two\nlines.png", r"'two\nlines.png'"),
    (b"caf\xe9.png", r"'caf\xe9.png'"),                   # Latin-1, not UTF-8
    (b"red\x1b[31m.png", r"'red\x1b[31m.png'"),           # a terminal escape
    (b"it's\\here\tnow.png", r"'it\'s\\here\tnow.png'"),
    ("café 日本.png".encode(), "café 日本.png"),            # printable: as it is
])
def test_odd_names_are_printed_on_one_line(tmp_path, capsys, raw, shown):
    folder = os.fsencode(tmp_path) + b"/"
    name = os.fsdecode(folder + raw)  # what Python makes of the bytes in a command line
    with open(folder + raw, "wb") as f:
        one(f, format="PNG")
    status, out, err = predict(capsys, name)
    assert status == 0 and err == [] and len(out) == 1
    assert out[0].startswith((f"'{tmp_path}/" + shown[1:]) if shown.startswith("'") else f"{tmp_path}/{shown}")
    assert DIGIT_LINE.match(out[0])["digit"] == "1"


def test_odd_name_of_an_unreadable_file_stays_on_one_line(tmp_path, capsys):
    status, out, err = predict(capsys, os.fsdecode(os.fsencode(tmp_path) + b"/gone\n\xff.png"))
    assert status == 2 and out == []
    assert err == [rf"app.py predict: error: '{tmp_path}/gone\n\xff.png': no such file"]


def test_help_explains_the_output_and_exit_status(capsys):
    with pytest.raises(SystemExit) as done:
        app.main(["predict", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "exit status:\n  2 if any file could not be read; otherwise 1 if any picture was blank" in text
    assert "warning:" in text and "standard error" in text
