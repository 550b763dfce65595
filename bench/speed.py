"""Training and inference speed of ``cnn`` against a naive loop version and PyTorch, in one run.

    .venv/bin/python bench/speed.py [--quick] [--json PATH] [--no-torch]

Figures are images/s (or microseconds per call) measured on this machine in this run; compare
them only as ratios within the run. Repeats of ``cnn`` and PyTorch are interleaved (A B A B ...)
so that load from other processes hits both alike; the spread is printed next to every median.
See bench/README.md for what each line measures.
"""
import argparse
import contextlib
import json
import os
import pathlib
import platform
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info

HERE = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # the repository is not installed as a package
import cnn  # noqa: E402
import naive  # noqa: E402
from cnn.blas import single_threaded_blas  # noqa: E402
from cnn.parallel import DataParallel  # noqa: E402

TRAIN_BATCH, INFER_BATCH, LR = 64, 1000, 1e-3  # 64: what app.py train and the window use
FULL = dict(repeats=9, batches=10, infer_calls=2, latency_calls=300, naive_images=24)
QUICK = dict(repeats=3, batches=3, infer_calls=1, latency_calls=100, naive_images=4)


class Ours:
    """``cnn`` driven exactly like ``cnn.fit`` drives it: DataParallel inside single-threaded BLAS."""

    def __init__(self, workers, seed, latency_single_blas=False):
        self.name = f"cnn workers={workers}"
        # The GUI calls predict_proba with BLAS's default threads; the other row shows what one costs.
        self.latency_single_blas = latency_single_blas
        self.latency_name = "cnn predict_proba" + (", BLAS 1 thr" if latency_single_blas else "")
        self.model = cnn.build_default(np.random.default_rng(seed))
        self.opt = cnn.Adam(self.model.parameters(), lr=LR)
        self.dp = DataParallel(self.model, workers)

    def block(self):
        return single_threaded_blas()

    def latency_block(self):
        return single_threaded_blas() if self.latency_single_blas else contextlib.nullcontext()

    def prepare(self, x, y):
        return x, y

    def train_batch(self, x, y):
        self.dp.train(True)
        loss, _ = self.dp.train_step(x, y)
        self.opt.step()
        return loss

    def infer(self, x):
        self.dp.train(False)
        return self.dp.forward(x)

    def predict1(self, x):
        return self.model.predict_proba(x)  # as gui/prediction.py calls it: default BLAS threads


def torch_layer(nn, layer):
    """The PyTorch module computing the same as one ``cnn`` layer, so both nets always match."""
    if isinstance(layer, cnn.Conv2D):
        return nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding)
    if isinstance(layer, cnn.MaxPool2D):
        return nn.MaxPool2d(layer.kernel_size, layer.stride)
    if isinstance(layer, cnn.Dense):
        return nn.Linear(layer.in_features, layer.out_features)
    if isinstance(layer, cnn.Dropout):
        return nn.Dropout(layer.p)
    return {cnn.ReLU: nn.ReLU, cnn.Flatten: nn.Flatten}[type(layer)]()


class Torch:
    """The same network in PyTorch (channels_last, Adam, no_grad + eval for inference)."""

    def __init__(self, torch, model):
        self.torch = torch
        self.name = self.latency_name = f"PyTorch {torch.__version__}"
        self.net = torch.nn.Sequential(*(torch_layer(torch.nn, layer) for layer in model.layers))
        # cnn's state-dict keys and layouts are PyTorch's, so the weights copy straight over.
        self.net.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
        self.net.to(memory_format=torch.channels_last)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=LR)

    def block(self):
        return contextlib.nullcontext()

    latency_block = block

    def prepare(self, x, y):
        t = self.torch.from_numpy(x).contiguous(memory_format=self.torch.channels_last)
        return t, None if y is None else self.torch.from_numpy(y.astype(np.int64))

    def train_batch(self, x, y):
        self.net.train()
        self.opt.zero_grad(set_to_none=True)
        loss = self.torch.nn.functional.cross_entropy(self.net(x), y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def infer(self, x):
        self.net.eval()
        with self.torch.no_grad():
            return self.net(x)

    def predict1(self, x):
        self.net.eval()
        with self.torch.no_grad():
            t = self.torch.from_numpy(x).contiguous(memory_format=self.torch.channels_last)
            return self.torch.softmax(self.net(t), dim=1).numpy()


def import_torch(disabled):
    if disabled:
        return None, "--no-torch given"
    try:
        import torch
    except ImportError as exc:
        return None, f"torch not importable ({exc})"
    torch.set_num_threads(2)
    return torch, None


def machine(torch):
    def blas():
        return [i for i in threadpool_info() if i["user_api"] == "blas"]
    with single_threaded_blas():
        inside = {b["filepath"]: b["num_threads"] for b in blas()}
    info = {
        "platform": platform.platform(), "python": platform.python_version(), "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(), "usable_cores": _usable_cores(), "load_average_start": _load(),
        "numpy": np.__version__,
        "blas": [f"{b['internal_api']} {b.get('version')} ({b.get('architecture', '?')}): "
                 f"{b['num_threads']} threads, {inside.get(b['filepath'])} inside single_threaded_blas"
                 for b in blas()],
    }
    if torch is not None:
        info["torch"] = (f"{torch.__version__}, {torch.get_num_threads()} threads, "
                         f"MKL {torch.backends.mkl.is_available()}, oneDNN {torch.backends.mkldnn.is_available()}")
    return info


def _usable_cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _load():
    """The 1-minute load average (None where the OS has none): how busy the machine was."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def _cpu_name():
    with contextlib.suppress(OSError):
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def time_train(c, x, y, batches):
    xs, ys = c.prepare(x, y)
    with c.block():
        c.train_batch(xs, ys)  # warm-up: caches, buffers, other processes' spinning threads
        t0 = time.perf_counter()
        for _ in range(batches):
            c.train_batch(xs, ys)
        return batches * len(y) / (time.perf_counter() - t0)


def time_infer(c, x, calls):
    xs, _ = c.prepare(x, None)
    with c.block():
        c.infer(xs)
        t0 = time.perf_counter()
        for _ in range(calls):
            c.infer(xs)
        return calls * len(x) / (time.perf_counter() - t0)


def time_latency(c, x1, calls):
    """Median microseconds of one ``predict1`` call (numpy image in, numpy probabilities out)."""
    times = []
    with c.latency_block():
        for _ in range(20):
            c.predict1(x1)
        for _ in range(calls):
            t0 = time.perf_counter()
            c.predict1(x1)
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def interleaved(contenders, measure, repeats, label="name"):
    """``{name: [one figure per repeat]}``, running the contenders in turn: A B C A B C ..."""
    samples = {getattr(c, label): [] for c in contenders}
    for _ in range(repeats):
        for c in contenders:
            samples[getattr(c, label)].append(measure(c))
    return samples


def time_naive(model, x, y, n):
    """Per-image seconds for training (forward, backward, SGD step) and for inference."""
    net = naive.NaiveNet.from_model(model, np.random.default_rng(0))
    train, infer = [], []
    for img, label in zip(x[:n], y[:n]):
        t0 = time.perf_counter()
        net.train_one(img, label)
        train.append(time.perf_counter() - t0)
    for img in x[:n]:
        t0 = time.perf_counter()
        cnn.softmax(net.forward(img)[None])
        infer.append(time.perf_counter() - t0)
    return train, infer


def summary(values, median=None):
    return {"median": statistics.median(values) if median is None else median,
            "min": min(values), "max": max(values), "samples": [round(v, 3) for v in values]}


def print_table(title, unit, rows):
    print(f"\n{title}")
    for name, s in rows.items():
        spread = (s["max"] - s["min"]) / s["median"] * 100
        print(f"  {name:<30} {s['median']:>12,.1f} {unit:<9} [{s['min']:,.1f} .. {s['max']:,.1f}]"
              f"  spread {spread:.0f}%")


def pair_ratios(a, b, times=False):
    """Ratios of speeds, ``a_i / b_i``, of interleaved repeats (``b_i / a_i`` when they are times)."""
    return summary([(bi / ai if times else ai / bi) for ai, bi in zip(a, b)])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a short run (about 20 s)")
    p.add_argument("--json", metavar="PATH", help="also write the figures to PATH")
    p.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
    p.add_argument("--batch", type=int, default=TRAIN_BATCH, help=f"training batch (default {TRAIN_BATCH})")
    args = p.parse_args(argv)
    cfg = {**(QUICK if args.quick else FULL), "batch": args.batch}
    torch, why_not = import_torch(args.no_torch)
    info = machine(torch)
    print("machine: " + "\n         ".join(f"{k}: {v}" for k, v in info.items()))
    print(f"config:  {cfg}")

    naive.check()
    rng = np.random.default_rng(1)
    x = rng.standard_normal((INFER_BATCH, 1, 28, 28)).astype(np.float32)  # speed ignores the values
    y = rng.integers(0, 10, INFER_BATCH)
    ours2, ours1 = Ours(2, seed=0), Ours(1, seed=0, latency_single_blas=True)
    contenders = [ours2] + ([] if torch is None else [Torch(torch, ours2.model)]) + [ours1]
    if torch is None:
        print(f"PyTorch column skipped: {why_not}")
    else:
        diff = np.abs(contenders[1].predict1(x[:8]) - ours2.model.predict_proba(x[:8])).max()
        print(f"PyTorch net matches cnn: probabilities max diff {diff:.1e}")
        if diff >= 1e-4:
            raise AssertionError("the PyTorch network does not compute cnn's function")

    results = run_all(contenders, ours2, x, y, cfg)
    ratios = report(results, ours2.name, contenders[1].name if torch else None, ours1.name,
                    f"naive ({cfg['naive_images']} images)")
    info["load_average_end"] = _load()
    print(f"\nload average (1 min): {info['load_average_start']} at start, {info['load_average_end']} at end")
    for c in contenders:
        if isinstance(c, Ours):
            c.dp.close()
    if args.json:
        out = {"machine": info, "config": cfg, "torch_skipped": why_not, "results": results, "ratios": ratios}
        pathlib.Path(args.json).write_text(json.dumps(out, indent=2))
        print(f"wrote {args.json}")


def run_all(contenders, ours, x, y, cfg):
    n, r = cfg["naive_images"], cfg["repeats"]
    xb, yb = x[:cfg["batch"]], y[:cfg["batch"]]
    train = interleaved(contenders, lambda c: time_train(c, xb, yb, cfg["batches"]), r)
    infer = interleaved(contenders, lambda c: time_infer(c, x, cfg["infer_calls"]), r)
    latency = interleaved(contenders, lambda c: time_latency(c, x[:1], cfg["latency_calls"]), r,
                          label="latency_name")
    naive_train, naive_infer = time_naive(ours.model, x, y, n)
    key = f"naive ({n} images)"
    train[key], infer[key], latency[key] = naive_train, naive_infer, naive_infer
    results = {"batch": cfg["batch"], "train_images_per_s": {}, "infer_images_per_s": {}, "latency_us": {},
               "samples": {"train": train, "infer": infer, "latency": latency}}
    for name in train:
        naive_t = name == key
        results["train_images_per_s"][name] = summary(
            [1 / t for t in train[name]], n / sum(train[name])) if naive_t else summary(train[name])
        results["infer_images_per_s"][name] = summary(
            [1 / t for t in infer[name]], n / sum(infer[name])) if naive_t else summary(infer[name])
    for name in latency:
        results["latency_us"][name] = summary([t * 1e6 for t in latency[name]] if name == key else latency[name])
    return results


def report(results, ours, torch_name, ours1, naive_key, latency_ours="cnn predict_proba"):
    print("\nmedian [min .. max] of the repeats; naive: one pass, [its slowest .. fastest image]")
    tr, inf, lat, s = (results[k] for k in ("train_images_per_s", "infer_images_per_s", "latency_us", "samples"))
    print_table(f"training, batch {results['batch']}: forward + backward + Adam step (naive: per image + SGD step)",
                "images/s", tr)
    print_table(f"inference, batch {INFER_BATCH}, eval mode (naive: one image at a time)", "images/s", inf)
    print_table("batch-1 latency, median of each repeat's calls: predict_proba of one image, numpy in "
                "and out", "us", lat)
    single = {"train ours/naive": tr[ours]["median"] / tr[naive_key]["median"],
              "inference ours/naive": inf[ours]["median"] / inf[naive_key]["median"],
              "batch-1 latency ours/naive": lat[naive_key]["median"] / lat[latency_ours]["median"]}
    paired = {"train workers=2 / workers=1": pair_ratios(s["train"][ours], s["train"][ours1]),
              "inference workers=2 / workers=1": pair_ratios(s["infer"][ours], s["infer"][ours1]),
              "batch-1 latency BLAS 1 thr / default": pair_ratios(
                  s["latency"][latency_ours + ", BLAS 1 thr"], s["latency"][latency_ours], times=True)}
    if torch_name:
        paired["train ours/PyTorch"] = pair_ratios(s["train"][ours], s["train"][torch_name])
        paired["inference ours/PyTorch"] = pair_ratios(s["infer"][ours], s["infer"][torch_name])
        paired["batch-1 latency ours/PyTorch"] = pair_ratios(s["latency"][latency_ours],
                                                             s["latency"][torch_name], times=True)
    print("\nratios of speeds, ours / the other (> 1: cnn is faster); ours = cnn workers=2, "
          "latency: cnn predict_proba")
    for label, v in single.items():
        print(f"  {label:<38} x{v:,.0f}   (from the medians)")
    for label, v in paired.items():
        print(f"  {label:<38} x{v['median']:.2f}  [{v['min']:.2f} .. {v['max']:.2f}] over the interleaved pairs")
    return {**single, **paired}


if __name__ == "__main__":
    main()
