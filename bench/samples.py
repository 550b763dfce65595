"""One timed sample of one contender. Each starts with a warm-up call: after the other side ran,
caches, buffers and thread pools are cold again, and that is not what a user's run sees."""
import time

import numpy as np

LATENCY_WARMUP = 20


def train(c, x, y, batches):
    """``{"images_per_s"}`` over ``batches`` training steps (forward, backward, Adam) on ``(x, y)``."""
    xs, ys = c.prepare(x, y)
    with c.block():
        c.train_batch(xs, ys)
        t0 = time.perf_counter()
        for _ in range(batches):
            c.train_batch(xs, ys)
        return {"images_per_s": batches * len(y) / (time.perf_counter() - t0)}


def infer(c, x, calls):
    """``{"images_per_s"}`` of eval-mode forward passes over the whole batch ``x``."""
    xs, _ = c.prepare(x, None)
    with c.block():
        c.infer(xs)
        t0 = time.perf_counter()
        for _ in range(calls):
            c.infer(xs)
        return {"images_per_s": calls * len(x) / (time.perf_counter() - t0)}


def latency(c, x1, calls, max_seconds):
    """``{"p50_us", "p95_us", "calls_us"}`` of ``predict1`` (numpy image in, probabilities out):
    ``calls`` calls, fewer if they take over ``max_seconds`` (a busy machine slows some calls 100x)."""
    times = []
    with c.as_called():
        for _ in range(LATENCY_WARMUP):
            c.predict1(x1)
        deadline = time.perf_counter() + max_seconds
        while len(times) < calls and (len(times) < LATENCY_WARMUP or time.perf_counter() < deadline):
            t0 = time.perf_counter()
            c.predict1(x1)
            times.append(time.perf_counter() - t0)
    us = np.array(times) * 1e6
    return {"p50_us": float(np.percentile(us, 50)), "p95_us": float(np.percentile(us, 95)),
            "calls_us": [round(float(t), 1) for t in us]}


def evaluate(c, x, y, prepare):
    """``{"seconds", "accuracy"}`` of one evaluation of ``(x, y)`` (no warm-up: a user has none)."""
    with c.as_called():
        t0 = time.perf_counter()
        accuracy = c.evaluate(x, y, prepare)
        return {"seconds": time.perf_counter() - t0, "accuracy": accuracy}
