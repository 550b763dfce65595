"""The one way the app trains a network, run alike by ``app.py train`` and the window.

A run takes a seeded random subset of the training images, optionally augments them (slashed
zeros, which MNIST lacks, and made-up non-digits added once, random distortions in every batch; some
images held out to calibrate the confidence), trains with a cosine learning-rate schedule,
tests after every epoch on held-out images, and keeps the best epoch: that epoch's weights are the result of the run,
whatever the later epochs did. A run that diverges (a NaN loss, a loss that grows, accuracy at
chance) ends early, and its best good epoch, if any, is still the result.
"""
import datetime
import math
import time
from dataclasses import dataclass, field

import numpy as np

from .network import ARCHITECTURE, ARCHITECTURES
from .normalization import DEFAULT as DEFAULT_NORMALIZATION
from .normalization import make_prepare
from .optim import DEFAULT_LR, cosine_schedule, make_optimizer
from .parallel import default_workers
from .train import History, NonFiniteLossError, fit
from . import calibration
from .negatives import NONE, make_negatives
from .writing_styles import add_slashed_zeros

# With augmentation (the recipe for people's drawings): this many training images are held out to
# calibrate the confidence and the "unsure" threshold, and made-up non-digits are added, this
# share of the training images, to teach "not a digit".
CALIBRATION_IMAGES, MIN_IMAGES_TO_HOLD_OUT = 5000, 20000
NEGATIVE_SHARE = 0.2
WARMUP_EPOCHS = 0.1  # the learning rate's climb at the start (94 steps of 64 on all of MNIST)
MAX_BATCH_SIZE = 4096  # one batch's activations and columns take ~0.5 GB here; beyond is a typo
CHANCE_SLACK = 1.5  # accuracy under 1.5x chance after a full epoch of real steps: it learns nothing
CHANCE_MIN_BATCHES = 20  # fewer steps than this can honestly leave a fresh network near chance
# An epoch's loss over twice the run's starting loss, and by more than one nat: it is getting
# worse. The margin matters for weights that start near a loss of 0 (continued training), where
# Adam's first steps can honestly move the loss from 0.004 to 0.03.
GROWTH_LIMIT, GROWTH_MARGIN = 2.0, 1.0


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides what a run produces. Bad values raise ``ValueError``.

    Args:
        epochs: passes over the training subset.
        batch_size: images per step (1 to ``MAX_BATCH_SIZE``).
        lr: peak learning rate; None for the optimizer's default (``DEFAULT_LR``).
        optimizer: ``"adam"`` or ``"sgd"`` (momentum 0.9), any case.
        train_size: a seeded random subset of this many training images; None for all.
        test_size: the first this many held-out images are tested after each epoch; None for all.
        augment: slashed zeros, made-up non-digits and random distortions (better on people's
            drawings; it also holds digits out to calibrate the confidence).
        seed: seeds initialisation, the subset, shuffling and augmentation (0 or more).
        workers: threads splitting each batch (default: the cores this process may use).
        architecture: a name from ``cnn.network.ARCHITECTURES``.
    """

    epochs: int = 3
    batch_size: int = 64
    lr: float | None = None
    optimizer: str = "adam"
    train_size: int | None = None
    test_size: int | None = None
    augment: bool = False
    seed: int = 0
    workers: int = field(default_factory=default_workers)
    architecture: str = ARCHITECTURE

    def __post_init__(self):
        _check_int("epochs", self.epochs, 1)
        _check_int("batch_size", self.batch_size, 1, MAX_BATCH_SIZE)
        _check_int("seed", self.seed, 0, 2**63 - 1)
        _check_int("workers", self.workers, 1, 64)
        for name in ("train_size", "test_size"):
            if getattr(self, name) is not None:
                _check_int(name, getattr(self, name), 1)
        if self.lr is not None and not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr)
                                        and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if self.optimizer.lower() not in DEFAULT_LR:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; expected one of {sorted(DEFAULT_LR)}")
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"unknown architecture {self.architecture!r}")

    @property
    def learning_rate(self) -> float:
        """The peak learning rate this run uses (the default for its optimizer when ``lr`` is None)."""
        return float(self.lr if self.lr is not None else DEFAULT_LR[self.optimizer.lower()])

    def settings(self) -> dict:
        """The settings as a weights file's ``training`` record names them."""
        return {"architecture": self.architecture, "batch_size": self.batch_size,
                "optimizer": self.optimizer.lower(), "lr": self.learning_rate,
                "schedule": f"cosine, {WARMUP_EPOCHS:g}-epoch warm-up",
                "augment": self.augment, "seed": self.seed, "epochs_planned": self.epochs}


@dataclass
class RunResult:
    """What a run produced.

    ``model`` holds the best epoch's weights (in eval mode), or the starting weights when no
    epoch finished (``best`` is None then). ``record`` is the weights file's ``training`` record
    for those weights; ``diverged`` says why the run was ended early, or is None.
    """

    model: object
    history: History
    best: object = None  # the best epoch's cnn.EpochInfo
    record: dict = field(default_factory=dict)
    diverged: str | None = None

    @property
    def useful(self) -> bool:
        """Whether the best epoch reads digits better than chance (too short a run may not)."""
        accuracy = None if self.best is None else self.best.val_accuracy
        return accuracy is not None and accuracy >= CHANCE_SLACK / 10

def run_training(config, data, *, model=None, normalization=DEFAULT_NORMALIZATION, started_from="a fresh network",
          on_batch=None, on_epoch=None, should_stop=None, active_workers=None):
    """Run one training the way the app does and return its ``RunResult``.

    Args:
        config: a ``TrainingConfig``.
        data: ``((x_train, y_train), (x_test, y_test))``, images uint8 ``(N, 28, 28)``.
        model: the network to train further (it is trained in place); None builds a fresh one
            of ``config.architecture`` from ``config.seed``.
        normalization: the weights' ``{"mean", "std"}``, kept for the trained weights.
        started_from: words for the record: where the starting weights came from.
        on_batch: ``on_batch(cnn.BatchInfo)`` after every step.
        on_epoch: ``on_epoch(cnn.EpochInfo, state)`` after every epoch's test, with a copy of
            that epoch's weights (the window shows each epoch live).
        should_stop: checked before every batch; True ends the run there.
        active_workers: ``() -> int``, asked before every batch: how many of ``config.workers``
            to use for it (the window leaves a core to the user while they draw).
    """
    rng = np.random.default_rng(config.seed)
    if model is None:
        model = ARCHITECTURES[config.architecture](rng)
    x_train, y_train, x_test, y_test, held_out = _select(config, data, rng)
    optimizer = make_optimizer(config.optimizer, model.parameters(), config.learning_rate)
    start_state = model.state_dict()
    watch = _Watch(model, config, on_batch, on_epoch)
    diverged = None
    try:
        history = fit(model, optimizer, x_train, y_train, epochs=config.epochs, batch_size=config.batch_size,
                      rng=rng, prepare=make_prepare(normalization, augment=config.augment),
                      val=(x_test, y_test), on_batch=watch.on_batch, on_epoch=watch.on_epoch,
                      should_stop=lambda: watch.diverged is not None or bool(should_stop and should_stop()),
                      lr_schedule=cosine_schedule(config.learning_rate, config.epochs, WARMUP_EPOCHS),
                      workers=config.workers, active_workers=active_workers)
        diverged = watch.diverged
    except NonFiniteLossError as e:
        history, diverged = History(list(watch.epochs), stopped=True), _without_restore_note(e)
    if diverged is not None:
        history.stopped = True
    model.load_state_dict(watch.best_state if watch.best_state is not None else start_state)
    model.eval()
    record = {}
    if watch.best is not None:
        record = training_record(config, watch.best, int(np.count_nonzero(y_train != NONE)), len(y_test),
                                 history, started_from, time.perf_counter() - watch.start)
        record["calibration"] = _calibrate(model.eval(), held_out, normalization)
    return RunResult(model, history, watch.best, record, diverged)


def training_record(config, epoch, train_images, test_images, history, started_from, wall_seconds):
    """The ``training`` record a weights file keeps for weights from ``epoch`` of a run."""
    speeds = [e.images_per_sec for e in history.epochs] or [epoch.images_per_sec]
    return {**config.settings(), "epochs": len(history.epochs), "best_epoch": epoch.epoch,
            "train_images": train_images, "test_images": test_images,
            "test_accuracy": epoch.val_accuracy, "test_loss": epoch.val_loss,
            "train_accuracy": epoch.accuracy, "train_loss": epoch.loss,
            "images_per_sec": round(float(np.mean(speeds))), "wall_seconds": round(wall_seconds, 1),
            "stopped_early": history.stopped, "started_from": started_from,
            "date": datetime.date.today().isoformat()}


def _select(config, data, rng):
    """The seeded training subset (augmented once if asked), the test images, and the images held
    out for calibration (``(x, y)``, or None)."""
    (x_train, y_train), (x_test, y_test) = data
    if config.train_size is not None and config.train_size < len(y_train):
        keep = np.sort(rng.choice(len(y_train), config.train_size, replace=False))
        x_train, y_train = x_train[keep], y_train[keep]
    held_out = None
    if config.augment and len(y_train) >= MIN_IMAGES_TO_HOLD_OUT:
        out = np.zeros(len(y_train), bool)
        out[rng.choice(len(y_train), CALIBRATION_IMAGES, replace=False)] = True
        held_out = (x_train[out], y_train[out])
        x_train, y_train = x_train[~out], y_train[~out]
    if config.augment:
        # Slashed zeros only: crossed sevens and flagged ones (``add_writing_styles``) made long runs
        # read more ones as sevens (see weights/README.md).
        x_train, _ = add_slashed_zeros(x_train, y_train, rng)
        negatives = make_negatives(int(NEGATIVE_SHARE * len(y_train)), rng, digits=x_train)
        x_train = np.concatenate([x_train, negatives])
        y_train = np.concatenate([y_train, np.full(len(negatives), NONE, y_train.dtype)])
    if config.test_size is not None:
        x_test, y_test = x_test[:config.test_size], y_test[:config.test_size]
    return x_train, y_train, x_test, y_test, held_out


def _calibrate(model, held_out, normalization):
    """The weights' ``calibration`` record, fitted on the held-out digits (the default without)."""
    if held_out is None:
        return dict(calibration.DEFAULT)
    prepare = make_prepare(normalization)
    images, labels = held_out
    logits = np.concatenate([model.forward(prepare(images[i:i + 500], None)) for i in range(0, len(labels), 500)])
    return calibration.fit(logits, labels)


class _Watch:
    """Follows a run's batches and epochs: the best epoch so far, and whether it is diverging."""

    def __init__(self, model, config, on_batch, on_epoch):
        self.model, self.config = model, config
        self._on_batch, self._on_epoch = on_batch, on_epoch
        self.best = self.best_state = self.diverged = None
        self.epochs, self.first_losses = [], []
        self.start = time.perf_counter()

    def on_batch(self, info):
        if len(self.first_losses) < 10:
            self.first_losses.append(info.loss)
        if self._on_batch:
            self._on_batch(info)

    def on_epoch(self, info):
        self.diverged = diverging(info, float(np.median(self.first_losses)))
        if self.diverged is not None:
            return  # not reported, not kept: the run ends here
        self.epochs.append(info)
        if self.best is None or info.val_accuracy > self.best.val_accuracy:
            self.best, self.best_state = info, self.model.state_dict()
        if self._on_epoch:
            self._on_epoch(info, self.model.state_dict())


def diverging(info, start_loss, classes=10):
    """Why the epoch in ``info`` shows a run going wrong, or None when it looks healthy.

    ``start_loss`` is the median loss of the run's first batches. Adam at a huge learning rate
    rarely reaches NaN: it throws the weights somewhere flat, and the loss stays finite while
    nothing is learnt, so chance-level accuracy and a growing loss count as divergence too.
    """
    chance = CHANCE_SLACK / classes
    learnt_nothing = info.accuracy < chance and (info.val_accuracy is None or info.val_accuracy < chance)
    if info.batches >= CHANCE_MIN_BATCHES and learnt_nothing:
        return (f"after epoch {info.epoch} the network is at chance level (training accuracy "
                f"{info.accuracy:.1%}, test {_percent(info.val_accuracy)}): the learning rate is far too high")
    if math.isfinite(start_loss) and info.loss > max(GROWTH_LIMIT * start_loss, start_loss + GROWTH_MARGIN):
        return (f"the loss grew from {start_loss:.3g} to {info.loss:.3g} by epoch {info.epoch}: "
                f"the learning rate is too high")
    return None


def _without_restore_note(error):
    """``fit``'s NaN message, less its note on restored weights: a run's result is its best epoch."""
    head, _, rest = str(error).partition(" (the weights are back at the start of that epoch)")
    return head + rest


def _percent(value):
    return "not measured" if value is None else f"{value:.1%}"


def _check_int(name, value, low, high=None):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < low or (high is not None and value > high):
        limit = f"from {low} to {high:,}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be {limit}, got {value}")

