"""How close a row comes to what this machine's matrix-product units could do.

Peak: the fastest of a few large float32 GEMMs on one thread (inside ``single_threaded_blas``),
times the threads a row uses; the GEMM is also run with BLAS's own threads, for comparison.
Work: the network's matrix-product FLOPs per image (conv ``2*OH*OW*k*k*Cin*Cout``, dense
``2*in*out``). Training adds the weight gradient of every layer and the input gradient of every
layer but the first. The roofline of a row is ``peak / FLOPs per image`` images/s; its
fraction is the row's images/s over that. Pooling, ReLU, im2col and Adam are not counted, so a
fraction of 1 is out of reach.
"""
import contextlib
import time

import numpy as np

import cnn
import others_cpu
from cnn.blas import single_threaded_blas

GEMM_SIZE = 2048


def gemm_gflops(repeats, single_thread, n=GEMM_SIZE):
    """``[{"gflops", "others_cpu"}]`` of ``repeats`` timed ``n x n x n`` float32 products."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    out = np.empty_like(a)
    runs = []
    with single_threaded_blas() if single_thread else contextlib.nullcontext():
        np.matmul(a, b, out=out)  # warm-up: page faults, BLAS buffers, waking its threads
        for _ in range(repeats):
            start = others_cpu.snapshot()
            t0 = time.perf_counter()
            np.matmul(a, b, out=out)
            seconds = time.perf_counter() - t0
            use = others_cpu.usage(start, others_cpu.snapshot())
            runs.append({"gflops": round(2 * n ** 3 / seconds / 1e9, 2), "others_cpu": use["others_cpu"]})
    return runs


def matmul_flops(model, input_shape=(1, 1, 28, 28)):
    """``[(layer index and kind, forward FLOPs per image)]`` of the conv and dense layers."""
    x, flops = np.zeros(input_shape, np.float32), []
    model.eval()
    for i, layer in enumerate(model.layers):
        y = layer.forward(x)
        if isinstance(layer, cnn.Conv2D):
            _, c_out, oh, ow = y.shape
            flops.append((f"{i} conv", 2 * oh * ow * layer.kernel_size ** 2 * layer.in_channels * c_out))
        elif isinstance(layer, cnn.Dense):
            flops.append((f"{i} dense", 2 * layer.in_features * layer.out_features))
        x = y
    return flops


def measure(repeats, threads):
    """The peak and the work, as ``speed.py`` records them in every column."""
    layers = matmul_flops(cnn.build_default(np.random.default_rng(0)))
    forward = sum(f for _, f in layers)
    single, multi = gemm_gflops(repeats, True), gemm_gflops(repeats, False)
    return {"gemm_size": GEMM_SIZE, "gemm_1_thread": single, "gemm_blas_threads": multi,
            "peak_gflops_1_thread": max(r["gflops"] for r in single),
            "peak_gflops_blas_threads": max(r["gflops"] for r in multi), "threads": threads,
            "layers": layers, "flops_forward": forward, "flops_train": 3 * forward - layers[0][1]}


def images_per_s(roof, flops, threads):
    """The roofline itself: images/s at ``threads`` times the single-thread GEMM peak."""
    return roof["peak_gflops_1_thread"] * 1e9 * threads / flops
