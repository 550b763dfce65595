"""``app.py predict``: read the digit in picture files, one line per file, whatever the files hold."""
import argparse
import json
import sys
import warnings

import numpy as np

import cnn
from cnn.blas import single_threaded_blas
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
  PATH: not sure, not a digit? (best guess DIGIT, CONFIDENCE)  0:P0 1:P1 ... 9:P9
  PATH: no digit found (the image is blank)
  The probabilities are calibrated with the weights' calibration record, as in the window. An
  answer whose top probability is under the record's threshold is "not sure": the picture may
  be a scribble, a letter or a digit written unlike any the network learnt from.
  A picture that decoded but whose file looks damaged has "  warning: ..." at the end of
  its line. A file that can't be read (missing, not a picture, over 50 megapixels, cut
  short) gets one line "app.py predict: error: PATH: REASON" on standard error instead, and
  the other files are still read. A name holding control characters or bytes that aren't
  UTF-8 is shown in quotes with those escaped, as in 'two\\nlines.png' or 'caf\\xe9.png'.

--json output, one JSON object per line (JSON Lines), one per file in the order given, all
on standard output (an unreadable file too; nothing goes to standard error for a file):
  {"path": PATH, "digit": 7, "probabilities": [P0, ..., P9], "unsure": false, "confidence": P7}
  {"path": PATH, "digit": null, "probabilities": null, "unsure": true, "blank": true}
  {"path": PATH, "error": REASON}
  A "not sure" answer has "unsure": true and its best guess in "digit". A damaged file's
  object also has "warnings": [REASON, ...]. Numbers are rounded to 6 places. The output is
  ASCII: other characters are \\u escapes, and a name's bytes that aren't UTF-8 come out as
  \\udc80-\\udcff (Python's surrogateescape; os.fsencode gives the bytes back).

exit status:
  2 if any file could not be read; otherwise 1 if any picture was blank or looked damaged;
  otherwise 0. A "not sure" answer is a picture read: on its own it gives 0. The same with
  --json."""

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def add_parser(subparsers):
    p = subparsers.add_parser("predict", help="read the digit in PNG or JPEG files",
                              description=DESCRIPTION, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per file, a line each (JSON Lines), instead of text")
    add_weights(p)
    p.set_defaults(run=run)


def run(args):
    model, meta = cnn.load_model(args.weights or SHIPPED_WEIGHTS)  # the reader checks the calibration too
    calibration = cnn.calibration.from_meta(meta)
    show = show_json if args.json else show_text
    statuses = []
    for image in args.images:
        reading = read_one(image, model, meta["normalization"], calibration)
        show(reading)
        statuses.append(exit_status(reading))
    return max(statuses)


def read_one(path, model, norm, calibration):
    """What the picture at ``path`` holds: ``{"path", "error"}`` for a file that can't be read,
    else ``{"path", "digit", "probabilities", "unsure", "warnings"}`` (``digit`` None: blank)."""
    try:
        pixels, doubts = read_with_doubts(path)
    except ImageFileError as e:
        return {"path": path, "error": e.reason}
    digit = cnn.to_mnist(cnn.ink_from_image(pixels))
    if digit is None:
        return {"path": path, "digit": None, "probabilities": None, "unsure": True, "warnings": doubts}
    with single_threaded_blas():  # one small batch: BLAS's worker threads cost more than they give
        logits = model.forward(cnn.normalize(digit, norm["mean"], norm["std"]))
    probabilities, unsure = cnn.calibration.judge(logits, calibration)
    return {"path": path, "digit": int(np.argmax(probabilities[0])), "probabilities": probabilities[0],
            "unsure": bool(unsure[0]), "warnings": doubts}


def exit_status(reading):
    """2 for a file that could not be read, 1 for a blank or damaged picture, else 0 (``EPILOG``)."""
    if "error" in reading:
        return 2
    return 1 if reading["digit"] is None or reading["warnings"] else 0


def show_text(reading):
    """Print the line for one reading (``read_one``): on stdout, or stderr for an unreadable file."""
    name = printable(reading["path"])
    if "error" in reading:
        sys.stdout.flush()  # keep the lines in order when both streams show on one terminal
        say(f"app.py predict: error: {name}: {escaped(reading['error'])}", sys.stderr)
        return
    best, probs = reading["digit"], reading["probabilities"]
    if best is None:
        line = f"{name}: no digit found (the image is blank)"
    else:
        answer = f"{best} ({probs[best]:.1%})"
        if reading["unsure"]:
            answer = f"not sure, not a digit? (best guess {best}, {probs[best]:.1%})"
        line = f"{name}: {answer}  " + " ".join(f"{d}:{p:.3f}" for d, p in enumerate(probs))
    if reading["warnings"]:
        line += "  warning: " + "; ".join(escaped(doubt) for doubt in reading["warnings"])
    say(line, sys.stdout)


def show_json(reading):
    """Print one reading (``read_one``) as a JSON object on one line of stdout, whatever it holds."""
    record = {"path": reading["path"]}
    best, probs = reading.get("digit"), reading.get("probabilities")
    if "error" in reading:
        record["error"] = reading["error"]
    elif best is None:
        record.update(digit=None, probabilities=None, unsure=True, blank=True)
    else:
        record.update(digit=best, probabilities=[round(float(p), 6) for p in probs],
                      unsure=reading["unsure"], confidence=round(float(probs[best]), 6))
    if reading.get("warnings"):
        record["warnings"] = reading["warnings"]
    # ASCII only: a lone surrogate (a name's non-UTF-8 byte) becomes \udcXX, never an encoding error.
    print(json.dumps(record, ensure_ascii=True), file=sys.stdout)


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
