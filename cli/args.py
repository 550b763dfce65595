"""argparse value types that turn a bad value into one clear line."""
import argparse
import math


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


# Options that app.py also takes before the command; SUPPRESS keeps a subparser's default from
# overwriting a value given there (`app.py --data-dir X train`).
def add_data_dir(parser):
    parser.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                        help="MNIST folder (default: $MNIST_DIR, then the cache folder)")


def add_weights(parser):
    parser.add_argument("--weights", metavar="PATH", default=argparse.SUPPRESS,
                        help="weights file (default: the shipped weights/digitnet.npz)")
