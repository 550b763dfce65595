"""DataParallel: any number of workers, pieces and active threads gives the batch's gradient, and
its split optimizer step is the optimizer's own step."""
import os
import threading

import numpy as np
import pytest

import cnn
from cnn.blas import single_threaded_blas
from cnn.loss import cross_entropy
from cnn.parallel import MICRO_BATCH, DataParallel, default_workers


def batch(n, seed=0):
    rng = np.random.default_rng(seed)
    x = cnn.normalize(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
    return x, rng.integers(0, 10, n)


def network(seed=3):
    model = cnn.build_default(np.random.default_rng(seed)).train()
    for layer in model.layers:
        if isinstance(layer, cnn.Dropout):
            layer.eval()  # dropout off: the same function in every replica and piece
    return model


def whole_batch_gradient(model, x, y):
    """The reference: one forward and backward of the whole batch on this thread, no pieces."""
    twin = network()
    twin.load_state_dict(model.state_dict())
    with single_threaded_blas():
        loss, grad = cross_entropy(twin.forward(x), y)
        twin.backward(grad)
    return loss, [p.grad.copy() for p in twin.parameters()]


# 70 images: 3 pieces of at most 32 on one thread, 2 pieces each on 2 threads, uneven on 3 and 4.
@pytest.mark.parametrize("workers", [1, 2, 3, 4])
def test_every_worker_count_gives_the_whole_batch_gradient(workers):
    assert 70 > 2 * MICRO_BATCH
    x, y = batch(70)
    model = network()
    loss_whole, reference = whole_batch_gradient(model, x, y)
    dp = DataParallel(model, workers)
    try:
        for p in model.parameters():
            p.grad.fill(np.nan)  # train_step must overwrite, not accumulate into, stale gradients
        with single_threaded_blas():
            loss, hits = dp.train_step(x, y)
    finally:
        dp.close()
    assert loss == pytest.approx(loss_whole, rel=1e-5)
    assert hits == int((model.predict_proba(x).argmax(axis=1) == y).sum())
    for p, ref in zip(model.parameters(), reference):
        assert np.abs(ref).max() > 0
        np.testing.assert_allclose(p.grad, ref, rtol=1e-4, atol=1e-6 * np.abs(ref).max(), err_msg=p.name)


def test_lowering_the_active_threads_between_steps_keeps_the_gradient():
    x, y = batch(40, seed=1)
    model = network()
    _, reference = whole_batch_gradient(model, x, y)
    dp = DataParallel(model, 3)
    try:
        with single_threaded_blas():
            for active in (3, 1, 2, 3):
                dp.active = active
                dp.train_step(x, y)
                for p, ref in zip(model.parameters(), reference):
                    np.testing.assert_allclose(p.grad, ref, rtol=1e-4, atol=1e-6 * np.abs(ref).max())
    finally:
        dp.close()


@pytest.mark.parametrize("make", [
    lambda params: cnn.Adam(params, lr=1e-3, weight_decay=1e-4),
    lambda params: cnn.SGD(params, lr=0.05, momentum=0.9, weight_decay=1e-4),
])
def test_the_split_step_is_the_optimizers_own_step_bit_for_bit(make):
    x, y = batch(48, seed=2)
    serial, split = network(seed=5), network(seed=5)
    opts = make(serial.parameters()), make(split.parameters())
    dps = DataParallel(serial, 1), DataParallel(split, 3)
    try:
        with single_threaded_blas():
            for _ in range(3):
                for model, dp in zip((serial, split), dps):
                    dp.train_step(x, y)
                for p, q in zip(serial.parameters(), split.parameters()):
                    q.grad[...] = p.grad  # the same gradients in, so the steps can be compared
                opts[0].step()
                dps[1].step(opts[1])
    finally:
        for dp in dps:
            dp.close()
    for p, q in zip(serial.parameters(), split.parameters()):
        assert not np.array_equal(p.data, network(seed=5).state_dict()[p.name])  # it did move
        np.testing.assert_array_equal(q.data, p.data, err_msg=p.name)


def test_an_optimizer_over_some_parameters_steps_only_those():
    x, y = batch(16, seed=3)
    model = network()
    head = model.parameters()[-2:]
    before = model.state_dict()
    dp = DataParallel(model, 2)
    try:
        with single_threaded_blas():
            dp.train_step(x, y)
            dp.step(cnn.SGD(head, lr=0.1))
    finally:
        dp.close()
    after = model.state_dict()
    moved = [k for k in after if not np.array_equal(after[k], before[k])]
    assert moved == [p.name for p in head]


def test_default_workers_follow_the_cores_this_process_may_use(monkeypatch):
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("this OS has no CPU affinity")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 2, 5})
    assert default_workers() == 3
    dp = DataParallel(network())
    try:
        assert dp.workers == 3 and len(dp.replicas) == 3
    finally:
        dp.close()


class ThreadsSeen(cnn.Layer):
    """Identity that notes which thread ran each forward pass."""

    def __init__(self, seen):
        super().__init__()
        self.seen = seen

    def forward(self, x):
        self.seen.add(threading.get_ident())
        return x

    def backward(self, grad_out):
        return grad_out


def test_fit_uses_as_many_threads_as_active_workers_says():
    x, y = batch(64, seed=4)
    seen = set()
    model = cnn.Sequential([ThreadsSeen(seen), cnn.Flatten(), cnn.Dense(784, 10, rng=np.random.default_rng(0))])
    counts = []
    for active in (1, 2):
        seen.clear()
        cnn.fit(model, cnn.SGD(model.parameters(), lr=0.01), x, y, epochs=1, batch_size=64,
                rng=np.random.default_rng(0), workers=2, active_workers=lambda: active)
        counts.append(len(seen))
    assert counts == [1, 2]
