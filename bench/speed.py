"""Training and inference speed of ``cnn`` against PyTorch (and a naive loop version), in one run.

    .venv/bin/python bench/speed.py [--quick] [--json PATH] [--no-torch] [--quiet-below PCT]

Each BLAS column (the environment as found, and without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE)
runs in its own child process; this parent prints the columns side by side. Within a column,
ours and PyTorch are timed in interleaved pairs, and only pairs during which other processes
used little CPU count. See bench/README.md for what each line measures.
"""
import argparse
import json
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # the repository is not installed as a package
import column  # noqa: E402
import columns  # noqa: E402
import figures  # noqa: E402
import machine  # noqa: E402
import report  # noqa: E402

# pairs: per training / inference row; latency_calls: (calls, at most seconds) per sample
FULL = dict(pairs=16, latency_pairs=30, eval_pairs=7, train_images=1024, infer_calls=3,
            latency_calls=(400, 1.0), gemm_repeats=3, naive_train=6, naive_infer=3)
QUICK = dict(pairs=4, latency_pairs=8, eval_pairs=2, train_images=256, infer_calls=1,
             latency_calls=(150, 0.5), gemm_repeats=2, naive_train=2, naive_infer=1)
SERIES = ("train64_{w}", "train64_1", "train128_{w}", "train128_1", "infer1000", "latency", "evaluate")


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer, shorter pairs (about a minute a column)")
    p.add_argument("--json", metavar="PATH", help="also write every figure and sample to PATH")
    p.add_argument("--no-torch", action="store_true", help="leave out PyTorch even if it is installed")
    p.add_argument("--quiet-below", type=float, default=10.0, metavar="PCT",
                   help="a pair is quiet when other processes used less CPU than this, in %% (default 10)")
    p.add_argument("--pairs", type=int, help="pairs per training and inference row (default 16, quick 4)")
    p.add_argument("--child", metavar="LABEL", help=argparse.SUPPRESS)  # one column, run by the parent
    p.add_argument("--child-out", metavar="PATH", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def config(args):
    cfg = dict(QUICK if args.quick else FULL, no_torch=args.no_torch, quiet_below=args.quiet_below / 100)
    if args.pairs:
        cfg["pairs"] = args.pairs
    return cfg


def child_args(args):
    """The options a column's child needs, passed on as given."""
    return ((["--quick"] if args.quick else []) + (["--no-torch"] if args.no_torch else [])
            + ["--quiet-below", str(args.quiet_below)] + (["--pairs", str(args.pairs)] if args.pairs else []))


def main(argv=None):
    args = parse(argv)
    cfg = config(args)
    if args.child:
        record = column.run_column(args.child, cfg)
        pathlib.Path(args.child_out).write_text(json.dumps(record))
        return
    host = machine.host()
    plan = columns.plan(os.environ)
    records = columns.run(plan, child_args(args), timeout=600 if args.quick else 1800)
    host["load_average_end"] = machine.load()
    print_all(host, records, args.quiet_below)
    if args.json:
        out = {"machine": host, "config": cfg, "one_column_because_no_variable_set": len(plan) == 1,
               "headlines": {r["label"]: figures.headlines(r) for r in records}, "columns": records}
        pathlib.Path(args.json).write_text(json.dumps(out, indent=1))
        print(f"wrote {args.json}")


def print_all(host, records, quiet_below):
    print("\n" + "=" * 100)
    report.settings(host, records)
    report.roofline(records)
    w = records[0]["workers"]
    for key in dict.fromkeys(k.format(w=w) for k in SERIES):  # one core: "w" and "1" are one row
        if key in records[0]["series"]:
            report.series(records, key, quiet_below)
    report.naive(records)
    report.headlines(records)
    print(f"\nload average (1 min): {host['load_average_start']} at start, {host['load_average_end']} at end")


if __name__ == "__main__":
    main()
