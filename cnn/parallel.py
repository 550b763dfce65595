"""Data parallelism over Python threads.

On these small matrices, one thread per core, each running its share of the batch with
single-threaded BLAS, beats one call into multi-threaded BLAS (NumPy releases the GIL inside its
kernels). Each thread runs a replica that shares the weight arrays but has its own activations and
gradients. Callers wrap the work in ``blas.single_threaded_blas()``.
"""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .loss import cross_entropy
from .optim import memory_view

MICRO_BATCH = 32  # images a thread runs at once: 24-32 train fastest here (8: 0.8x, 128: 0.7x)
SPLIT_BELOW = 1 << 14  # parameters smaller than this (biases) are summed and updated whole


def default_workers():
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class DataParallel:
    """Splits each batch across ``workers`` replicas of ``model`` and sums their gradients into it.

    ``active`` (1 to ``workers``, default all) may be lowered between steps to leave cores free,
    for example while the user draws: the split changes, the gradient does not (beyond float32
    rounding). Summing the replicas' gradients and the optimizer's step are split too: each
    thread takes its share of every large parameter.
    """

    def __init__(self, model, workers=None):
        workers = default_workers() if workers is None else workers
        if workers < 1:
            raise ValueError(f"workers must be 1 or more, got {workers}")
        self.model = model
        self.replicas = [model] + [model.replicate() for _ in range(workers - 1)]
        self.active = workers
        self._pool = ThreadPoolExecutor(workers - 1) if workers > 1 else None
        self._shares = {}
        self._accumulated = {}  # replica id -> its running gradient sums over its pieces

    @property
    def workers(self):
        return len(self.replicas)

    def _threads(self):
        return max(1, min(self.active, self.workers))

    def _run(self, jobs):
        """``[job() for job in jobs]``, the first on this thread, the others on the pool's."""
        if self._pool is None or len(jobs) == 1:
            return [job() for job in jobs]
        futures = [self._pool.submit(job) for job in jobs[1:]]
        try:
            first = jobs[0]()
        finally:
            results = [f.result() for f in futures]  # never leave a thread running on our arrays
        return [first] + results

    def _pieces(self, n):
        """For each thread in use, its consecutive pieces ``[(lo, hi)]`` of a batch of ``n``: at
        most ``MICRO_BATCH`` images each, so a thread's activations stay in cache."""
        if n == 0:
            return []
        count = min(n, max(self._threads(), -(-n // MICRO_BATCH)))
        bounds = np.linspace(0, n, count + 1).astype(int)
        pieces = list(zip(bounds[:-1], bounds[1:]))
        per_thread = np.array_split(np.arange(count), min(self._threads(), count))
        return [[pieces[j] for j in js] for js in per_thread if len(js)]

    def _map(self, fn, n):
        """``fn(replica, pieces)`` on each thread in use, with its replica and pieces of ``n``."""
        return self._run([lambda r=r, ps=ps: fn(r, ps) for r, ps in zip(self.replicas, self._pieces(n))])

    def _share(self, threads):
        """For each thread, ``[(parameter index, slice of its memory view)]``: large parameters
        split evenly, small ones whole, dealt out in turn."""
        if threads not in self._shares:
            shares = [[] for _ in range(threads)]
            for i, p in enumerate(self.model.parameters()):
                if p.data.size < SPLIT_BELOW:
                    shares[i % threads].append((i, slice(None)))
                    continue
                bounds = np.linspace(0, p.data.size, threads + 1).astype(int)
                for t in range(threads):
                    shares[t].append((i, slice(bounds[t], bounds[t + 1])))
            self._shares[threads] = shares
        return self._shares[threads]

    def train_step(self, x, y):
        """Forward and backward of one batch; returns (mean loss, number correct). No update."""
        n = len(y)

        def run(replica, pieces):
            loss = hits = 0
            for j, (lo, hi) in enumerate(pieces):
                logits = replica.forward(x[lo:hi])
                piece_loss, grad = cross_entropy(logits, y[lo:hi], normalizer=n)
                replica.backward(grad)
                loss, hits = loss + piece_loss, hits + int((logits.argmax(axis=1) == y[lo:hi]).sum())
                if len(pieces) > 1:
                    self._accumulate(replica, first=j == 0)
            return loss, hits, len(pieces) > 1

        results = self._map(run, n)
        self._reduce([self._accumulated[id(r)] if many else [p.grad for p in r.parameters()]
                      for r, (_, _, many) in zip(self.replicas, results)])
        return sum(r[0] for r in results), sum(r[1] for r in results)

    def _accumulate(self, replica, first):
        """Add the replica's gradients of its last piece to its running sum."""
        grads = [p.grad for p in replica.parameters()]
        if id(replica) not in self._accumulated:
            self._accumulated[id(replica)] = [np.empty_like(g) for g in grads]  # same memory layouts
        for total, g in zip(self._accumulated[id(replica)], grads):
            if first:
                np.copyto(total, g)
            else:
                total += g

    def _reduce(self, totals):
        """Sum each thread's gradient total into the model's gradients, split across the threads."""
        own = [p.grad for p in self.model.parameters()]
        if len(totals) == 1 and totals[0][0] is own[0]:
            return

        def add(share):
            for i, part in share:
                dest = memory_view(own[i])[part]
                first, *rest = [memory_view(t[i])[part] for t in totals]
                if not np.may_share_memory(first, dest):
                    np.copyto(dest, first)
                for other in rest:
                    dest += other

        self._run([lambda share=share: add(share) for share in self._share(len(totals))])

    def step(self, optimizer):
        """``optimizer.step()`` for the model, split across the threads."""
        own = self.model.parameters()
        if len(optimizer.params) != len(own) or any(a.data is not b.data for a, b in zip(optimizer.params, own)):
            optimizer.step()  # an optimizer over other parameters: no shares to split by
            return
        optimizer.begin_step()

        def update(share):
            for i, part in share:
                optimizer.update(i, part)

        self._run([lambda share=share: update(share) for share in self._share(self._threads())])

    def forward(self, x):
        """Logits for ``x`` in the replicas' current mode."""
        return np.concatenate([out for outs in self._map(
            lambda r, pieces: [r.forward(x[lo:hi]) for lo, hi in pieces], len(x)) for out in outs])

    def train(self, mode=True):
        for r in self.replicas:
            r.train(mode)

    def close(self):
        if self._pool is not None:
            self._pool.shutdown()
