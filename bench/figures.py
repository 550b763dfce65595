"""The headline figures (issue 13's "done when"), each from one column, with its target.

A ratio is ours' speed over the other's (> 1: ``cnn`` is faster), the median over quiet pairs.
"""
import operator

GOALS = {">=": operator.ge, ">": operator.gt, "<=": operator.le}
# (label, series key, metric, what: "ratio" or a side, goal or None)
HEADLINES = [
    ("training b64 ours/PyTorch, {w} threads", "train64_{w}", "images_per_s", "ratio", (">=", 0.85)),
    ("training b64 ours/PyTorch, 1 thread each", "train64_1", "images_per_s", "ratio", None),
    ("training b128 ours/PyTorch, {w} threads", "train128_{w}", "images_per_s", "ratio", (">=", 0.9)),
    ("training b128 ours/PyTorch, 1 thread each", "train128_1", "images_per_s", "ratio", None),
    ("batch-1 latency p50 ours/PyTorch", "latency", "p50_us", "ratio", (">", 1.0)),
    ("batch-1 latency p95 ours/PyTorch", "latency", "p95_us", "ratio", (">", 1.0)),
    ("batch-1000 inference ours/PyTorch", "infer1000", "images_per_s", "ratio", (">=", 1.3)),
    ("evaluate {n:,} digits with cnn.evaluate", "evaluate", "seconds", "ours", ("<=", 0.6)),
    ("  PyTorch's eval loop (batch 1000), reference", "evaluate", "seconds", "theirs", None),
]


def headlines(record):
    """``[{label, value, text, target, met, all_pairs_used}]`` for one column; rows the column
    lacks (no PyTorch) or repeats (one core: "w threads" is "1 thread each") are left out."""
    w, out, seen = record["workers"], [], set()
    for label, key, metric, what, goal in HEADLINES:
        key = key.format(w=w)
        s = record["series"].get(key)
        if s is None or (key, metric, what) in seen:
            continue
        seen.add((key, metric, what))
        m = s["summary"][metric]
        v = (m["ratio"] or {}).get("median") if what == "ratio" else m[what]
        if v is None:
            continue
        out.append({"label": label.format(w=w, n=s["images"]), "value": v,
                    "text": f"x{v:.2f}" if what == "ratio" else f"{v:.2f} s",
                    "target": f"{goal[0]} {goal[1]:g}" + (" s" if what != "ratio" else "") if goal else "",
                    "met": GOALS[goal[0]](v, goal[1]) if goal else None,
                    "all_pairs_used": s["summary"]["all_pairs_used"]})
    return out


def naive_ratios(record):
    """Ours over the naive loop version: training b64 at the default workers, batch-1000 inference."""
    nv, w = record["naive"], record["workers"]
    train = record["series"][f"train64_{w}"]["summary"]["images_per_s"]["ours"]
    infer = record["series"]["infer1000"]["summary"]["images_per_s"]["ours"]
    return {"training": train / nv["train_images_per_s"], "inference": infer / nv["infer_images_per_s"]}
