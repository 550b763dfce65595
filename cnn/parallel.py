"""Data parallelism over Python threads.

On these small matrices, two threads each running a half-batch with single-threaded BLAS beat one
call into multi-threaded BLAS (NumPy releases the GIL inside its kernels). Each thread runs a
replica that shares the weight arrays but has its own activations and gradients. Callers wrap
the work in ``blas.single_threaded_blas()``.
"""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .loss import cross_entropy


class DataParallel:
    """Splits each batch across ``workers`` replicas of ``model`` and sums their gradients into it."""

    def __init__(self, model, workers=2):
        self.model = model
        self.replicas = [model] + [model.replicate() for _ in range(workers - 1)]
        self._pool = ThreadPoolExecutor(workers - 1) if workers > 1 else None

    def _map(self, fn, *arrays):
        parts = [np.array_split(a, len(self.replicas)) for a in arrays]
        jobs = [(r, *(p[i] for p in parts)) for i, r in enumerate(self.replicas) if len(parts[0][i])]
        if self._pool is None or len(jobs) == 1:
            return [fn(*job) for job in jobs]
        futures = [self._pool.submit(fn, *job) for job in jobs[1:]]
        return [fn(*jobs[0])] + [f.result() for f in futures]

    def train_step(self, x, y):
        """Forward and backward of one batch; returns (mean loss, number correct). No update."""
        n = len(y)

        def run(replica, xs, ys):
            logits = replica.forward(xs)
            loss, grad = cross_entropy(logits, ys, normalizer=n)
            replica.backward(grad)
            return loss, int((logits.argmax(axis=1) == ys).sum())

        results = self._map(run, x, y)
        for replica in self.replicas[1:len(results)]:
            for p, q in zip(self.model.parameters(), replica.parameters()):
                p.grad += q.grad
        return sum(r[0] for r in results), sum(r[1] for r in results)

    def forward(self, x):
        """Logits for ``x`` in the replicas' current mode."""
        return np.concatenate(self._map(lambda r, xs: r.forward(xs), x))

    def train(self, mode=True):
        for r in self.replicas:
            r.train(mode)

    def close(self):
        if self._pool is not None:
            self._pool.shutdown()
