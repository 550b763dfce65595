"""``app.py predict``: read the digit in picture files, one line per file, whatever the files hold."""
import argparse
import sys
import warnings

import numpy as np

import cnn
from cnn.imagefile import ImageFileError, ImageFileWarning, read_image

from . import SHIPPED_WEIGHTS
from .args import add_weights

DESCRIPTION = """\
Print the digit and the ten probabilities for each picture (dark on light or light on dark).
Each is normalised the way MNIST digits were: cropped to the ink, fitted into 20x20, centred
by centre of mass in 28x28."""

EPILOG = """\
output, one line per picture on standard output:
  PATH: DIGIT (CONFIDENCE)  0:P0 1:P1 ... 9:P9
  PATH: no digit found (the image is blank)
  A picture that decoded but whose file looks damaged has "  warning: ..." at the end of
  its line. A file that can't be read (missing, not a picture, over 50 megapixels, cut
  short) gets one line "app.py predict: error: PATH: REASON" on standard error instead, and
  the other files are still read. A name holding control characters or bytes that aren't
  UTF-8 is shown in quotes with those escaped, as in 'two\\nlines.png' or 'caf\\xe9.png'.

exit status:
  2 if any file could not be read; otherwise 1 if any picture was blank or looked damaged;
  otherwise 0."""

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def add_parser(subparsers):
    p = subparsers.add_parser("predict", help="read the digit in PNG or JPEG files",
                              description=DESCRIPTION, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("images", nargs="+", metavar="IMAGE")
    add_weights(p)
    p.set_defaults(run=run)


def run(args):
    model, meta = cnn.load_model(args.weights or SHIPPED_WEIGHTS)
    norm = meta["normalization"]
    return max(predict_one(path, model, norm) for path in args.images)


def predict_one(path, model, norm):
    """Print the line for one picture; return its exit status (see ``EPILOG``)."""
    name = printable(path)
    try:
        pixels, doubts = read_with_doubts(path)
    except ImageFileError as e:
        sys.stdout.flush()  # keep the lines in order when both streams show on one terminal
        say(f"app.py predict: error: {name}: {escaped(e.reason)}", sys.stderr)
        return 2
    digit = cnn.to_mnist(cnn.ink_from_image(pixels))
    if digit is None:
        line, status = f"{name}: no digit found (the image is blank)", 1
    else:
        probs = model.predict_proba(cnn.normalize(digit, norm["mean"], norm["std"]))[0]
        best = int(np.argmax(probs))
        line = f"{name}: {best} ({probs[best]:.1%})  " + " ".join(f"{d}:{p:.3f}" for d, p in enumerate(probs))
        status = 0
    if doubts:
        line += "  warning: " + "; ".join(escaped(doubt) for doubt in doubts)
        status = 1
    say(line, sys.stdout)
    return status


def read_with_doubts(path):
    """``read_image(path)``, and the reasons of the warnings it gave (damage, odd metadata)."""
    with warnings.catch_warnings(record=True) as caught:
        # Only ours always: other filters stay, such as the one making a bomb an error.
        warnings.simplefilter("always", ImageFileWarning)
        pixels = read_image(path)
    return pixels, [getattr(w.message, "reason", str(w.message)) for w in caught]


def printable(name):
    """``name`` as it can be printed on one line: unchanged when every character is printable,
    else in quotes with control characters, other unprintable ones and bytes that were not
    UTF-8 (which Python keeps in a command line as lone surrogates) escaped.
    """
    if name.isprintable():
        return name
    quoted = name.replace("\\", "\\\\").replace("'", "\\'")  # as in a Python literal
    return f"'{escaped(quoted)}'"


def escaped(text):
    """``text`` with unprintable characters escaped, as in a Python string literal."""
    return "".join(_escape(c) for c in text)


def _escape(c):
    if c in _ESCAPES:
        return _ESCAPES[c]
    if "\udc80" <= c <= "\udcff":  # os.fsdecode's surrogateescape: the byte it stands for
        return f"\\x{ord(c) - 0xdc00:02x}"
    return c if c.isprintable() else repr(c)[1:-1]


def say(line, stream):
    """Print ``line``; what the stream's encoding can't show is escaped, not an error."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    print(line.encode(encoding, "backslashreplace").decode(encoding), file=stream)
