"""``app.py train``: train the network on MNIST from the terminal, with the window's recipe.

Exit codes: 0 trained and saved; 1 the run failed (it diverged, ended at chance level, or the
weights or the plot could not be written where asked); 2 a mistake in the command; 128 + the
signal's number when SIGINT (130), SIGHUP (129) or SIGTERM (143) stopped it, the best epoch so
far saved first.
"""
import contextlib
import datetime
import errno
import os
import signal
import sys
import tempfile
import threading
import warnings
from pathlib import Path

import cnn
from cnn.normalization import DEFAULT as NORMALIZATION
from cnn.recipe import CHANCE_SLACK, MAX_BATCH_SIZE

from . import SHIPPED_WEIGHTS, CommandFailed, UsageError
from .args import add_data_dir, check_output, positive_float, positive_int, whole_number
from .progress import ProgressBar, format_seconds

DEFAULT_OUT = "my-digitnet.npz"  # not the shipped file's name, so a run never stands in for it
CHANCE = CHANCE_SLACK / 10  # the recipe's "at chance level": weights this bad are never written


def add_parser(subparsers):
    p = subparsers.add_parser(
        "train", help="train the network on MNIST",
        description="Train the network on MNIST the way the window does and save the best epoch's weights "
                    "(highest test accuracy). Ctrl+C, SIGTERM or SIGHUP stops after the current batch and "
                    "saves the best epoch so far (exit code 128 + the signal: 130 for Ctrl+C); a second one "
                    "quits at once. A run that diverges exits with code 1 and saves only a good epoch.")
    p.add_argument("--epochs", type=positive_int, default=12, help="passes over the data (default 12)")
    p.add_argument("--batch-size", type=whole_number(1, MAX_BATCH_SIZE), default=64,
                   help=f"images per step, 1 to {MAX_BATCH_SIZE} (default 64)")
    p.add_argument("--lr", type=positive_float, help="peak learning rate (default 2e-3 for adam, 0.05 for sgd); "
                                                     "it decays along a cosine over the epochs")
    p.add_argument("--optimizer", choices=sorted(cnn.DEFAULT_LR), default="adam", help="default adam")
    p.add_argument("--limit", type=positive_int, metavar="N",
                   help="train on a random N of the training images (the same N for the same --seed)")
    p.add_argument("--augment", action="store_true",
                   help="random shifts, rotations, scaling, slant and stroke widths, slashed zeros, and "
                        "made-up non-digits to learn \"not sure\" (better on people's drawings)")
    p.add_argument("--seed", type=whole_number(0), default=0,
                   help="seed (0 or more) for initialisation, the --limit subset, shuffling, augmentation")
    p.add_argument("--workers", type=whole_number(1, 64), metavar="N",
                   help="threads splitting each batch (default: the cores this process may use, "
                        f"{cnn.default_workers()} here); results depend on it, so pin it to reproduce a run")
    add_data_dir(p)
    p.add_argument("--out", metavar="PATH", default=DEFAULT_OUT,
                   help=f"weights file to write (default {DEFAULT_OUT}); an existing file is kept unless --force")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument("--plot", metavar="PNG", help="also write a PNG of loss and accuracy per epoch (replaced if it exists)")
    p.set_defaults(run=run)


def run(args):
    config = _config(args)
    out, plot = Path(args.out), Path(args.plot) if args.plot else None
    if out.resolve() == Path(SHIPPED_WEIGHTS).resolve():
        raise UsageError(f"--out {out} is the app's shipped weights, which are never replaced "
                         "(not even with --force); choose another --out")
    check_output(out, "--out", replace=args.force)
    if plot is not None:
        check_output(plot, "--plot", replace=True)
        if plot.resolve() == out.resolve():
            raise UsageError("--plot and --out name the same file")
    with _Signals() as signals, _quiet_overflow():
        data = cnn.load_mnist("train", args.data_dir), cnn.load_mnist("test", args.data_dir)
        progress = _Progress(config, data)
        result = cnn.run_training(config, data, normalization=NORMALIZATION, on_batch=progress.on_batch,
                                  on_epoch=progress.on_epoch, should_stop=signals.stop.is_set)
        progress.bar.clear()
        problems = [f"training diverged: {result.diverged}"] if result.diverged else []
        with signals.deferred():  # the weights first: a failed plot must not lose them
            signals.saved = _keep(result, out, args.force, problems)
        if plot is not None and result.history.epochs:
            problems += _plot(plot, result.history.epochs)
    if problems:
        raise CommandFailed("; ".join(problems))
    return signals.exit_code


def _config(args):
    """The run's ``TrainingConfig``, built before MNIST is read, so a bad value costs nothing."""
    try:
        return cnn.TrainingConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                                  optimizer=args.optimizer, train_size=args.limit, augment=args.augment,
                                  seed=args.seed, **({} if args.workers is None else {"workers": args.workers}))
    except ValueError as e:
        raise UsageError(str(e)) from e


def _keep(result, out, replace, problems):
    """Save the run's best epoch if it is worth keeping; returns where it went, or None.

    What went wrong is added to ``problems``, which holds the divergence, if any.
    """
    best = result.best
    if best is None:
        if problems:
            problems.append("nothing saved")
        else:  # only a signal ends a run before its first epoch without a problem
            print("stopped before the first epoch ended: nothing saved", flush=True)
        return None
    if not result.useful:
        problems.append(f"{'' if problems else 'training failed: '}the best epoch reached "
                        f"{best.val_accuracy:.1%} test accuracy, chance level (under {CHANCE:.0%}): nothing saved")
        return None
    path, problem = _save(result, out, replace)
    if path is not None:
        record = result.record
        print(f"best epoch {best.epoch}: test accuracy {best.val_accuracy:.2%} -> saved {path} "
              f"(wall {format_seconds(record['wall_seconds'])}, peak memory {_megabytes()}"
              f"{', stopped early' if record['stopped_early'] else ''})", flush=True)
    if problem:
        problems.append(problem)
    elif problems:
        problems.append(f"epoch {best.epoch}, the best before that, was saved to {path}")
    return path


def _save(result, out, replace):
    """Write the weights to ``out``, or elsewhere if that fails: ``(path or None, problem or None)``."""
    training = {**result.record, "peak_memory_mb": peak_memory_mb(), "trained_in": "cli"}
    meta = {"normalization": dict(NORMALIZATION), "training": training}
    try:
        if out.exists() and not replace:
            raise FileExistsError(errno.EEXIST, "it appeared while training")
        cnn.save_weights(out, result.model, meta)
        return out, None
    except ValueError as e:  # the weights themselves were refused: elsewhere would refuse them too
        return None, f"could not write --out: {e}"
    except OSError as e:
        problem = f"could not write --out {out}: {e.strerror or str(e).removeprefix(f'{out}: ')}"
    stamp = f"{datetime.datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}"
    for folder in (Path(tempfile.gettempdir()), Path.home()):  # a full disk is often not theirs
        fallback = folder / f"{out.stem}-{stamp}{out.suffix or '.npz'}"
        with contextlib.suppress(OSError):
            cnn.save_weights(fallback, result.model, meta)
            return fallback, f"{problem}; the weights were saved to {fallback} instead"
    return None, f"{problem}, nor in {tempfile.gettempdir()} or {Path.home()}: the trained weights are lost"


def _plot(path, epochs):
    from .plot import save_history_plot  # Qt is imported only when a plot is asked for
    try:
        save_history_plot(path, epochs)
    except OSError as e:
        return [f"--plot {path}: {e.strerror or e}"]
    print(f"plot written to {path}", flush=True)
    return []


def peak_memory_mb():
    """This process's peak resident memory in MB, or None where the OS does not say (Windows)."""
    try:
        import resource  # Unix only
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / 2**20 if sys.platform == "darwin" else peak / 2**10)  # bytes there, KiB on Linux


def _megabytes():
    peak = peak_memory_mb()
    return "not measured" if peak is None else f"{peak} MB"


def plural(n, word):
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class _Progress:
    """The run's header, progress bar and per-epoch lines."""

    def __init__(self, config, data):
        available = len(data[0][1])
        images = min(config.train_size or available, available)
        subset = f"a random {images:,} of {available:,}" if images < available else f"{images:,}"
        print(f"training {config.architecture} on {subset} images for {plural(config.epochs, 'epoch')} "
              f"({config.optimizer}, lr {config.learning_rate:g}, batch {config.batch_size}"
              f"{', augmented' if config.augment else ''}, {plural(config.workers, 'thread')})", flush=True)
        if config.augment:
            held = cnn.recipe.CALIBRATION_IMAGES if images >= cnn.recipe.MIN_IMAGES_TO_HOLD_OUT else 0
            print(f"  {held:,} of them held out to calibrate the confidence; "
                  f"{int(cnn.recipe.NEGATIVE_SHARE * (images - held)):,} made-up non-digits added", flush=True)
        self.bar = ProgressBar(steps=10)

    def on_batch(self, info):
        per_epoch = info.total // info.epochs
        done = info.seen - (info.epoch - 1) * per_epoch
        self.bar.update(f"epoch {info.epoch}/{info.epochs}", done, per_epoch, info.images_per_sec)

    def on_epoch(self, info, state):
        self.bar.clear()
        print(f"epoch {info.epoch:>2}/{info.epochs}  train loss {_loss(info.loss)} acc {info.accuracy:.2%}  "
              f"test loss {_loss(info.val_loss)} acc {info.val_accuracy:.2%}  "
              f"{info.images_per_sec:,.0f} img/s  {format_seconds(info.elapsed)}", flush=True)


def _loss(value):
    return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.3g}"  # a diverging run's 1e30 in 5 characters


@contextlib.contextmanager
def _quiet_overflow():
    """numpy's overflow warnings: a diverging run is reported in one line, not buried under them."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"(overflow|invalid value) encountered", RuntimeWarning)
        yield


class _Signals:
    """SIGINT, SIGTERM and SIGHUP: the first stops the run after the current batch (its best epoch
    is still saved, exit code 128 + the signal); a second quits at once, with that code.

    The handlers only set flags, write with ``os.write`` and leave with ``os._exit``: a handler
    can fire in the middle of any Python code, even a print to the same stream (which a buffered
    stream refuses to re-enter), and an exception raised there could be swallowed or half-handled.
    A second signal while the weights are being written waits for the write (a fraction of a second).
    """

    NAMES = ("SIGINT", "SIGTERM", "SIGHUP")  # SIGHUP: the terminal was closed

    def __init__(self):
        self.stop, self.signum, self.saved = threading.Event(), None, None
        self._writing, self._pending, self._previous = False, None, {}
        self._clear_line = "\r\033[K" if sys.stderr.isatty() else ""  # over the progress bar

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():  # only it may set handlers
            for name in self.NAMES:
                if hasattr(signal, name):
                    number = getattr(signal, name)
                    self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc):
        for number, previous in self._previous.items():
            signal.signal(number, signal.SIG_DFL if previous is None else previous)  # None: set outside Python

    @property
    def exit_code(self):
        return 0 if self.signum is None else 128 + self.signum

    @contextlib.contextmanager
    def deferred(self):
        """A second signal inside this block takes effect when the block ends."""
        self._writing = True
        try:
            yield
        finally:
            self._writing = False
            if self._pending is not None:
                self._quit(self._pending)

    def _handle(self, signum, frame):
        if self.signum is None:
            self.signum = signum
            self.stop.set()
            again = "Ctrl+C" if signum == signal.SIGINT else _name(signum)
            self._say(f"{_name(signum)}: stopping after this batch, then saving the best epoch so far "
                      f"({again} again quits at once)")
        elif self._writing:
            self._pending = signum
        else:
            self._quit(signum)

    def _quit(self, signum):
        kept = f"the weights are in {self.saved}" if self.saved else "nothing saved"
        self._say(f"app.py train: stopped at once by a second {_name(signum)}; {kept}")
        with contextlib.suppress(Exception):  # it may be mid-write itself
            sys.stdout.flush()
        os._exit(128 + signum)

    def _say(self, line):
        with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
            os.write(sys.stderr.fileno(), f"{self._clear_line}{line}\n".encode())


def _name(signum):
    return signal.Signals(signum).name
