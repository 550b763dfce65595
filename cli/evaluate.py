"""``app.py evaluate``: test accuracy, per-class accuracy and the confusion matrix."""
import cnn

from . import SHIPPED_WEIGHTS
from .args import add_data_dir, add_weights
from .progress import ProgressBar


def add_parser(subparsers):
    p = subparsers.add_parser("evaluate", help="score weights on the 10,000 MNIST test images",
                              description="Score a weights file on the MNIST test set.")
    add_weights(p)
    add_data_dir(p)
    p.set_defaults(run=run)


def run(args):
    path = args.weights or SHIPPED_WEIGHTS
    model, meta = cnn.load_model(path)
    x, y = cnn.load_mnist("test", args.data_dir)
    bar = ProgressBar()
    ev = cnn.evaluate(model, x, y, prepare=cnn.make_prepare(meta["normalization"]),
                      on_progress=lambda done, total: bar.update("evaluating", done, total))
    bar.clear()
    print(f"weights: {path}")
    print(f"test accuracy {ev.accuracy:.2%} ({int(ev.confusion.trace()):,}/{len(y):,}), loss {ev.loss:.4f}")
    print("per class: " + "  ".join(f"{d}: {a:.1%}" for d, a in enumerate(ev.per_class_accuracy())))
    print(format_confusion(ev.confusion))
    return 0


def format_confusion(confusion):
    """The confusion matrix as text: rows are true digits, columns predicted ones."""
    head = "true\\pred " + "".join(f"{d:>6}" for d in range(len(confusion)))
    rows = [f"{t:>9} " + "".join(f"{c:>6}" for c in row) for t, row in enumerate(confusion)]
    return "\n".join([head, *rows])
