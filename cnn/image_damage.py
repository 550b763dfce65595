"""Whether a picture that decoded is damaged all the same (PNG checksums, JPEG data out of step).

Decoders fill in what they could not read and carry on; ``damage`` tells the reader so, and
``cnn.imagefile`` turns it into a warning next to the answer.
"""
import io
import re

from PIL import Image, ImageChops

_JPEG_CHECK_BYTES = 32 << 20   # bigger JPEGs (no camera writes one) skip the damage check


def describe_error(error):
    """An exception as one line of words: its type, and its message if it has one."""
    text = " ".join(str(error).split())  # Pillow's messages may span lines
    return f"{type(error).__name__}: {text}" if text else type(error).__name__



def damage(path, image):
    """Why a decoded picture's file looks damaged, or None."""
    if image.format == "PNG":
        return _png_damage(path)
    if image.format == "JPEG":
        return _jpeg_damage(path, image)
    return None


def _png_damage(path):
    # load() stops once it has the pixels; verify() reads every chunk and checks its CRC.
    try:
        with Image.open(path, formats=["PNG"]) as fresh:
            fresh.verify()
    except Exception as e:  # noqa: BLE001 - whatever verify() trips on, the file is damaged
        return f"the file looks damaged ({describe_error(e)})"
    return None


# A marker: 0xFF (and fill bytes 0xFF) then a byte that is neither 0 (a stuffed 0xFF data byte)
# nor 0xFF.
_MARKER = re.compile(rb"\xff+(?=[^\x00\xff])")
# Decodes as nothing like libjpeg's zero padding; a good scan never reaches it.
_PADDING = b"\xfe" * 64


def _jpeg_damage(path, decoded):
    """Why the JPEG behind ``decoded`` looks damaged, or None.

    Corrupt data throws libjpeg's decoding out of step, so a scan's data no longer ends where
    its last block does. When the data runs out first, libjpeg pads with zero bits and greys
    out the rest, and only says so on stderr (which Pillow silences). A good scan never reads
    past its data, so bytes added after it change nothing; in a damaged one they are decoded.
    (The other way round, blocks done before the data ends, can't be told apart reliably: a
    change to the last bytes may not show where the picture is saturated white or black.)
    """
    with open(path, "rb") as f:
        data = f.read(_JPEG_CHECK_BYTES + 1)
    if len(data) > _JPEG_CHECK_BYTES:
        return None
    ends = _scan_ends(data)
    if ends is None:
        return "the file looks damaged (broken JPEG structure)"
    if not _same_picture(_padded(data, ends), decoded):
        return "the file looks damaged (corrupt JPEG data)"
    return None


def _same_picture(data, decoded):
    """Whether JPEG ``data`` decodes, at the scale ``decoded`` was, to the same pixels."""
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as again:
            again.draft(None, decoded.size)  # the scale the first decode used
            again.load()
            return again.size == decoded.size and not ImageChops.difference(again, decoded).getbbox()
    except Exception:  # noqa: BLE001 - a changed copy that fails to decode is not the same
        return False


def _padded(data, ends):
    view = memoryview(data)  # slices of a view copy nothing
    return _PADDING.join(view[start:end] for start, end in zip([0] + ends, ends + [len(data)]))


def _scan_ends(data):
    """Offsets where each entropy-coded segment of a JPEG ends: before each restart marker
    and before the marker that follows each scan. None when the structure is broken: no
    start or end marker, a segment running past the end, restart markers out of order.
    """
    if not data.startswith(b"\xff\xd8"):
        return None
    ends, pos = [], 2
    while True:
        marker = _MARKER.match(data, pos)
        if not marker or marker.end() >= len(data):
            return None
        kind, pos = data[marker.end()], marker.end() + 1
        if kind == 0xD9:
            return ends
        if kind == 0x01 or 0xD0 <= kind <= 0xD7:  # no length field
            continue
        pos += int.from_bytes(data[pos:pos + 2], "big")
        if kind == 0xDA:
            pos = _scan_data_end(data, pos, ends)
            if pos is None:
                return None


def _scan_data_end(data, pos, ends):
    """Walk one scan's data from ``pos``, appending its segment ends; return the next marker's offset."""
    expected = 0
    while True:
        marker = _MARKER.search(data, pos)
        if not marker or marker.end() >= len(data):
            return None
        ends.append(marker.start())
        kind = data[marker.end()]
        if not 0xD0 <= kind <= 0xD7:
            return marker.start()
        if kind != 0xD0 + expected:
            return None
        expected, pos = (expected + 1) % 8, marker.end() + 1
