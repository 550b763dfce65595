"""``app.py predict``: read the digit in image files."""
import numpy as np

import cnn

from . import SHIPPED_WEIGHTS, UsageError
from .args import add_weights


def add_parser(subparsers):
    p = subparsers.add_parser("predict", help="read the digit in PNG or JPEG files",
                              description="Print the digit and the ten probabilities for each image "
                                          "(dark on light or light on dark). Each is normalised the "
                                          "way MNIST digits were: cropped to the ink, fitted into "
                                          "20x20, centred by centre of mass in 28x28.")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    add_weights(p)
    p.set_defaults(run=run)


def run(args):
    from gui.imagefile import ImageFileError, read_image  # Qt's image readers; no window opens

    model, meta = cnn.load_model(args.weights or SHIPPED_WEIGHTS)
    norm = meta["normalization"]
    status = 0
    for path in args.images:
        try:
            pixels = read_image(path)
        except ImageFileError as e:
            raise UsageError(str(e)) from e
        digit = cnn.to_mnist(cnn.ink_from_image(pixels))
        if digit is None:
            print(f"{path}: no digit found (the image is blank)")
            status = 1
            continue
        probs = model.predict_proba(cnn.normalize(digit, norm["mean"], norm["std"]))[0]
        best = int(np.argmax(probs))
        print(f"{path}: {best} ({probs[best]:.1%})  " + " ".join(f"{d}:{p:.3f}" for d, p in enumerate(probs)))
    return status
