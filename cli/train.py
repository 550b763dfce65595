"""``app.py train``: train the default network on MNIST from the terminal."""
import contextlib
import datetime
import resource
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np

import cnn

from . import UsageError
from .args import add_data_dir, positive_float, positive_int
from .progress import ProgressBar, format_seconds

def add_parser(subparsers):
    p = subparsers.add_parser("train", help="train the network on MNIST",
                              description="Train the default network on MNIST and save the best weights "
                                          "(highest test accuracy after any epoch). Ctrl+C stops after the "
                                          "current batch and keeps the best weights so far.")
    p.add_argument("--epochs", type=positive_int, default=12, help="passes over the data (default 12)")
    p.add_argument("--batch-size", type=positive_int, default=64, help="images per step (default 64)")
    p.add_argument("--lr", type=positive_float, help="learning rate (default 2e-3 for adam, 0.05 for sgd); "
                                                     "it decays along a cosine over the epochs")
    p.add_argument("--optimizer", choices=sorted(cnn.DEFAULT_LR), default="adam", help="default adam")
    p.add_argument("--limit", type=positive_int, metavar="N", help="train on the first N images only")
    p.add_argument("--augment", action="store_true",
                   help="random shifts, rotations, scaling, stroke widths, and slashed zeros "
                        "(better on people's drawings)")
    p.add_argument("--seed", type=int, default=0, help="seed for initialisation, shuffling, augmentation")
    add_data_dir(p)
    p.add_argument("--out", metavar="PATH", default="digitnet.npz", help="weights file to write (default digitnet.npz)")
    p.add_argument("--plot", metavar="PNG", help="also write a PNG of loss and accuracy per epoch")
    p.set_defaults(run=run)


def run(args):
    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"--out {out} is a folder; it needs a file name")
    if args.plot and not Path(args.plot).resolve().parent.is_dir():
        raise UsageError(f"--plot {args.plot}: its folder does not exist")
    x_train, y_train = cnn.load_mnist("train", args.data_dir)
    x_test, y_test = cnn.load_mnist("test", args.data_dir)
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    rng = np.random.default_rng(args.seed)
    model = cnn.build_default(rng)
    if args.augment:
        x_train, _ = cnn.add_slashed_zeros(x_train, y_train, rng)
    opt = cnn.make_optimizer(args.optimizer, model.parameters(), args.lr)
    lr = opt.lr
    print(f"training {cnn.ARCHITECTURE} on {len(y_train):,} images for {args.epochs} epochs "
          f"({args.optimizer}, lr {lr:g}, batch {args.batch_size}{', augmented' if args.augment else ''})")
    session = _Session(model, lr, len(y_train))
    with session.ctrl_c_stops(), session.keeps_best_on_divergence(out, args):
        history = cnn.fit(model, opt, x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                          rng=rng, prepare=cnn.make_prepare(augment=args.augment), val=(x_test, y_test),
                          on_batch=session.on_batch, on_epoch=session.on_epoch,
                          should_stop=session.stop.is_set,
                          lr_schedule=cnn.cosine_schedule(lr, args.epochs))
    session.bar.clear()
    status = session.finish(out, args, history)  # the weights first: a failed plot must not lose them
    if args.plot and history.epochs:
        from .plot import save_history_plot  # Qt is imported only when a plot is asked for
        save_history_plot(args.plot, history.epochs)
        print(f"plot written to {args.plot}")
    return status


class _Session:
    """Progress output, the best epoch so far, and Ctrl+C handling for one training run."""

    def __init__(self, model, lr, train_images):
        self.model, self.lr, self.train_images = model, lr, train_images
        self.bar, self.stop = ProgressBar(), threading.Event()
        self.best, self.best_state, self.start = None, None, time.perf_counter()
        self.epochs_seen = []

    @contextlib.contextmanager
    def ctrl_c_stops(self):
        """The first Ctrl+C asks ``fit`` to stop after the current batch; a second one aborts."""
        def on_sigint(signum, frame):
            if self.stop.is_set():
                raise KeyboardInterrupt
            self.stop.set()
            print("\nstopping after this batch (Ctrl+C again to abort)...", file=sys.stderr)

        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    @contextlib.contextmanager
    def keeps_best_on_divergence(self, out, args):
        """A NaN loss still saves the best epoch so far before the error is reported."""
        try:
            yield
        except cnn.NonFiniteLossError:
            self.bar.clear()
            if self.best is not None:
                self.finish(out, args, cnn.History(list(self.epochs_seen), stopped=True))
            raise

    def on_batch(self, info):
        per_epoch = info.total // info.epochs
        done = info.seen - (info.epoch - 1) * per_epoch
        self.bar.update(f"epoch {info.epoch}/{info.epochs}", done, per_epoch, info.images_per_sec)

    def on_epoch(self, info):
        self.bar.clear()
        print(f"epoch {info.epoch:>2}/{info.epochs}  train loss {info.loss:.4f} acc {info.accuracy:.2%}  "
              f"test loss {info.val_loss:.4f} acc {info.val_accuracy:.2%}  "
              f"{info.images_per_sec:,.0f} img/s  {format_seconds(info.elapsed)}", flush=True)
        self.epochs_seen.append(info)
        if self.best is None or info.val_accuracy > self.best.val_accuracy:
            self.best, self.best_state = info, self.model.state_dict()

    def finish(self, out, args, history):
        wall = time.perf_counter() - self.start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if self.best is None:
            print(f"stopped before the first epoch ended: nothing saved ({format_seconds(wall)})")
            return 1
        self.model.load_state_dict(self.best_state)
        summary = {
            "epochs": len(history.epochs), "best_epoch": self.best.epoch, "batch_size": args.batch_size,
            "optimizer": args.optimizer, "lr": self.lr, "schedule": "cosine",
            "augment": args.augment, "seed": args.seed, "train_images": self.train_images,
            "test_accuracy": self.best.val_accuracy, "test_loss": self.best.val_loss,
            "train_loss": self.best.loss, "wall_seconds": round(wall, 1),
            "images_per_sec": round(float(np.mean([e.images_per_sec for e in history.epochs]))),
            "stopped_early": history.stopped, "date": datetime.date.today().isoformat(),
        }
        cnn.save_weights(out, self.model, {"training": summary})
        print(f"best epoch {self.best.epoch}: test accuracy {self.best.val_accuracy:.2%} -> saved {out} "
              f"(wall {format_seconds(wall)}, peak memory {peak_mb:.0f} MB"
              f"{', stopped early' if history.stopped else ''})")
        return 0
