"""The training loop that the command line and the GUI worker both drive."""
import math
import time
from dataclasses import dataclass, field

import numpy as np

from .blas import single_threaded_blas
from .evaluate import evaluate
from .negatives import NONE
from .parallel import DataParallel


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite; the weights were restored to the last good epoch."""


@dataclass
class BatchInfo:
    epoch: int  # 1-based
    epochs: int
    batch: int  # 1-based within the epoch
    batches: int
    loss: float
    images_per_sec: float  # over this epoch so far
    elapsed: float  # seconds since fit() started
    seen: int  # images trained on so far, all epochs
    total: int  # images fit() will train on in all


@dataclass
class EpochInfo:
    epoch: int
    epochs: int
    loss: float
    accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    images_per_sec: float
    elapsed: float
    batches: int = 0  # steps taken in the epoch


@dataclass
class History:
    epochs: list = field(default_factory=list)
    stopped: bool = False


def fit(model, optimizer, x, y, *, epochs, batch_size=64, rng, prepare=None, val=None,
        on_batch=None, on_epoch=None, should_stop=None, lr_schedule=None, workers=None,
        active_workers=None):
    """Shuffled mini-batch training.

    Args:
        x, y: training inputs (or raw images that ``prepare`` turns into inputs) and ``(N,)`` labels.
        rng: ``numpy.random.Generator`` for shuffling (and passed to ``prepare`` for augmentation).
        prepare: ``prepare(x_batch, rng) -> inputs``; evaluation calls it with ``rng=None``.
        val: ``(x_val, y_val)`` evaluated after every epoch, or None.
        on_batch, on_epoch: callbacks receiving ``BatchInfo`` / ``EpochInfo``.
        should_stop: checked before every batch (training and testing); True ends the run there.
        lr_schedule: ``lr_schedule(progress) -> lr``, applied before every batch; ``progress`` is
            the number of epochs done so far as a float (0.0 at the start, 1.5 half-way through
            the second epoch), so a schedule can decay smoothly within epochs.
        workers: threads splitting each batch; None for the cores this process may use.
        active_workers: ``() -> int``, asked before every batch: how many of the
            workers to use for it; the gradient does not depend on it beyond float32 rounding.
    Returns:
        ``History``. Raises ``NonFiniteLossError`` (weights restored to the last finished epoch).
    """
    n = len(y)
    batches = math.ceil(n / batch_size)
    history, dp, start = History(), DataParallel(model, workers), time.perf_counter()
    try:
        with single_threaded_blas():
            for epoch in range(1, epochs + 1):
                info = _run_epoch(model, optimizer, dp, x, y, epoch, epochs, batches, batch_size, rng,
                                  prepare, on_batch, should_stop, lr_schedule, start, active_workers)
                if info is None:
                    history.stopped = True
                    break
                if val is not None:
                    ev = evaluate(model, *val, prepare=prepare, should_stop=should_stop, parallel=dp)
                    if ev is None:  # stopped while testing: the epoch is not reported
                        history.stopped = True
                        break
                    info.val_loss, info.val_accuracy = ev.loss, ev.accuracy
                history.epochs.append(info)
                if on_epoch:
                    on_epoch(info)
                if should_stop and should_stop():
                    history.stopped = epoch < epochs
                    break
    finally:
        model.eval()
        dp.close()
    return history


def _run_epoch(model, optimizer, dp, x, y, epoch, epochs, batches, batch_size, rng, prepare,
               on_batch, should_stop, lr_schedule, start, active_workers):
    """One pass over the shuffled data; returns its ``EpochInfo``, or None if stopped mid-way."""
    n, good = len(y), model.state_dict()
    order = rng.permutation(n)
    dp.train(True)
    total_loss = correct = seen = labelled = 0
    t0 = time.perf_counter()
    for b in range(batches):
        if should_stop and should_stop():
            model.load_state_dict(good)  # a stopped epoch leaves no half-trained weights behind
            return None
        idx = order[b * batch_size:(b + 1) * batch_size]
        if active_workers is not None:
            dp.active = active_workers()
        xb = prepare(x[idx], rng) if prepare else x[idx]
        loss, hits = dp.train_step(xb, y[idx])
        if not math.isfinite(loss):
            model.load_state_dict(good)
            raise NonFiniteLossError(
                f"the loss became {loss} at epoch {epoch}, batch {b + 1} (the weights are back at the "
                f"start of that epoch); try a lower learning rate than {optimizer.lr:g}")
        if lr_schedule is not None:
            optimizer.lr = lr_schedule(epoch - 1 + b / batches)
        dp.step(optimizer)
        total_loss, correct, seen = total_loss + loss * len(idx), correct + hits, seen + len(idx)
        labelled += int(np.count_nonzero(y[idx] != NONE))  # "not a digit" examples have no right digit
        if on_batch:
            now = time.perf_counter()
            on_batch(BatchInfo(epoch, epochs, b + 1, batches, loss, seen / (now - t0), now - start,
                               (epoch - 1) * n + seen, epochs * n))
    now = time.perf_counter()
    return EpochInfo(epoch, epochs, total_loss / n, correct / max(labelled, 1), None, None, n / (now - t0), now - start,
                     batches)
