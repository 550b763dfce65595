"""One column of ``speed.py``: every figure under one BLAS setting. Runs in a child process,
because OpenBLAS reads OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE only when it is loaded."""
import os
import pathlib
import time

import numpy as np

import cnn
import contenders
import machine
import naive
import roofline
import samples
from series import Series

INFER_BATCH = 1000
PAIRS = {"images/s": "pairs", "us": "latency_pairs", "s": "eval_pairs"}  # how many, by the row's unit
SHIPPED = pathlib.Path(__file__).resolve().parents[1] / "weights" / "digitnet.npz"


def run_column(label, cfg):
    """Everything measured under this process's environment, as a JSON-ready dict."""
    say = lambda text: print(f"[{label}] {text}", flush=True)  # noqa: E731
    torch, why_not = contenders.import_torch(cfg["no_torch"])
    workers = cnn.default_workers()
    record = {"label": label, "workers": workers, "torch_skipped": why_not,
              "libraries": machine.libraries(torch)}
    say(machine.blas_line(record["libraries"]))
    rng = np.random.default_rng(1)
    x = rng.standard_normal((INFER_BATCH, 1, 28, 28)).astype(np.float32)  # speed ignores the values
    y = rng.integers(0, 10, INFER_BATCH)
    ours = {w: contenders.Ours(cnn.build_default(np.random.default_rng(0)), w) for w in {workers, 1}}
    theirs = contenders.Torch(torch, ours[workers].model, workers) if torch else None
    record["checks"] = checks(ours[workers].model, theirs, x)
    roof = record["roofline"] = roofline.measure(cfg["gemm_repeats"], workers)
    say(f"GEMM peak {roof['peak_gflops_1_thread']:.0f} GFLOP/s on 1 thread")
    x_test, y_test, record["test_digits"] = test_digits()
    model, normalization, record["evaluated_weights"] = evaluated_model()
    rows = plan(ours, theirs, workers, x, y, cfg, roof) + [
        evaluate_series(model, normalization, theirs, workers, roof["flops_forward"], x_test, y_test)]
    record["series"] = {s.key: run_row(s, cfg, roof, say) for s in rows}
    record["naive"] = naive_row(ours[workers].model, x, y, cfg["naive_train"], cfg["naive_infer"])
    for s in rows:
        s.ours.close()  # shuts down each DataParallel's threads (twice for a shared one is fine)
    return record


def run_row(s, cfg, roof, say):
    t0 = time.perf_counter()
    out = s.run(cfg[PAIRS[s.unit]], cfg["quiet_below"], roof)
    say(f"{s.key}: {out['summary']['quiet']}/{out['summary']['pairs']} pairs quiet "
        f"({time.perf_counter() - t0:.0f} s)")
    return out


def checks(model, theirs, x):
    """The naive version and the PyTorch net compute cnn's function (raises if not)."""
    out = {"naive_max_errors": naive.check()}
    if theirs is not None:
        diff = float(np.abs(theirs.predict1(x[:8]) - model.predict_proba(x[:8])).max())
        print(f"PyTorch net matches cnn: probabilities max diff {diff:.1e}")
        if diff >= 1e-4:
            raise AssertionError("the PyTorch network does not compute cnn's function")
        out["torch_max_prob_diff"] = diff
    return out


def plan(ours, theirs, workers, x, y, cfg, roof):
    """The paired rows, in the order they run."""
    f_train, f_fwd = roof["flops_train"], roof["flops_forward"]
    rows = []
    for batch in (64, 128):
        xb, yb, batches = x[:batch], y[:batch], max(1, cfg["train_images"] // batch)
        for w in sorted({workers, 1}, reverse=True):
            each = "each " if w == 1 else ""
            rows.append(Series(
                f"train{batch}_{w}", f"training, batch {batch}, {w} thread{'s' * (w > 1)} {each}"
                f"(forward + backward + Adam step)", ours[w], theirs and theirs.at(w),
                lambda c, xb=xb, yb=yb, n=batches: samples.train(c, xb, yb, n),
                ("images_per_s",), "images/s", f_train, w))
    rows.append(Series(f"infer{INFER_BATCH}", f"inference, batch {INFER_BATCH}, eval mode",
                       ours[workers], theirs, lambda c: samples.infer(c, x, cfg["infer_calls"]),
                       ("images_per_s",), "images/s", f_fwd, workers))
    rows.append(Series("latency", "batch-1 latency: predict_proba of one image, numpy in and out",
                       ours[workers], theirs, lambda c: samples.latency(c, x[:1], *cfg["latency_calls"]),
                       ("p50_us", "p95_us"), "us", f_fwd, 1,
                       names=("cnn predict_proba", theirs and f"PyTorch predict, {workers} threads")))
    return rows


def evaluate_series(model, normalization, theirs, workers, flops, x, y):
    """``cnn.evaluate`` of the test digits against PyTorch's eval loop at batch 1000."""
    ours = contenders.Ours(model, workers)
    other = theirs and contenders.Torch(theirs.torch, model, workers)
    prepare = cnn.make_prepare(normalization)
    return Series("evaluate", f"evaluate {len(y):,} digits: cnn.evaluate (its defaults) vs PyTorch "
                  f"eval loop, batch 1000", ours, other, lambda c: samples.evaluate(c, x, y, prepare),
                  ("seconds",), "s", flops, workers, images=len(y),
                  names=("cnn.evaluate", other and f"PyTorch eval loop, {workers} threads"))


def test_digits():
    """The 10,000 MNIST test digits from $MNIST_DIR when it holds them, else 10,000 random images."""
    folder = os.environ.get("MNIST_DIR")
    why = "$MNIST_DIR is not set"
    if folder:
        try:
            x, y = cnn.load_mnist("test", folder)
            return x, y, f"MNIST test set from $MNIST_DIR ({folder})"
        except cnn.MnistNotFoundError:
            why = f"$MNIST_DIR ({folder}) holds no MNIST"
    rng = np.random.default_rng(2)
    return (rng.integers(0, 256, (10_000, 28, 28), dtype=np.uint8), rng.integers(0, 10, 10_000),
            f"10,000 random images ({why})")


def evaluated_model():
    """``(model, normalization, which)``: the shipped weights, so that the accuracy on MNIST
    means something, else a fresh default network."""
    if SHIPPED.is_file():
        model, meta = cnn.load_model(SHIPPED)
        return model, meta["normalization"], f"shipped weights ({SHIPPED.name})"
    return cnn.build_default(np.random.default_rng(0)), cnn.normalization.DEFAULT, "a fresh default network"


def naive_row(model, x, y, n_train, n_infer):
    """Images/s of the naive loop version: training (SGD per image) and inference, one image at a time."""
    net = naive.NaiveNet.from_model(model, np.random.default_rng(0))
    t0 = time.perf_counter()
    for img, label in zip(x[:n_train], y[:n_train]):
        net.train_one(img, label)
    t1 = time.perf_counter()
    for img in x[:n_infer]:
        cnn.softmax(net.forward(img)[None])
    t2 = time.perf_counter()
    return {"train_images": n_train, "train_images_per_s": n_train / (t1 - t0),
            "infer_images": n_infer, "infer_images_per_s": n_infer / (t2 - t1)}
