"""Interleaved pairs (ours, theirs, ours, theirs ...) and medians over the quiet ones.

Each pair records the other processes' CPU use during it (``others_cpu``). A pair is quiet when
that stays below a threshold: only then did both sides have the machine to themselves, so only
quiet pairs enter the medians and ratios. If none was quiet, all are used and the summary says so.
"""
import statistics

import others_cpu


def run_pairs(ours, theirs, n, quiet_below, metrics, higher_is_better):
    """``n`` pairs of ``ours()`` then ``theirs()`` (each returns ``{metric: value}``; ``theirs``
    may be None), and more, up to ``2 n``, while fewer than half of them were quiet: the load
    from others comes in bursts, so a later pair may find the machine free.

    Returns one record per pair: both results, CPU use, quiet flag, speed ratios.
    """
    pairs = []
    while len(pairs) < n or (sum(p["quiet"] for p in pairs) < max(1, n // 2) and len(pairs) < 2 * n):
        start = others_cpu.snapshot()
        a = ours()
        b = theirs() if theirs else None
        use = others_cpu.usage(start, others_cpu.snapshot())
        quiet = use["others_cpu"] is None or use["others_cpu"] < quiet_below
        ratios = {m: speed_ratio(a[m], b[m], higher_is_better) for m in metrics} if b else None
        pairs.append({"ours": a, "theirs": b, **use, "quiet": quiet, "ratios": ratios})
    return pairs


def speed_ratio(ours, theirs, higher_is_better):
    """Our speed over theirs (> 1: ours is faster), from rates or from times."""
    return ours / theirs if higher_is_better else theirs / ours


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarize(pairs, metrics):
    """Medians of ours, theirs and of the per-pair ratios, over the quiet pairs only."""
    quiet = [p for p in pairs if p["quiet"]]
    used = quiet or pairs
    others = [p["others_cpu"] for p in pairs if p["others_cpu"] is not None]
    out = {"pairs": len(pairs), "quiet": len(quiet), "all_pairs_used": not quiet,
           "others_cpu": spread(others) if others else None,
           "steal": spread([p["steal"] for p in pairs]) if others else None,
           "own_cpu": spread([p["own_cpu"] for p in pairs]) if others else None}
    for m in metrics:
        theirs = [p["theirs"][m] for p in used if p["theirs"]]
        ratios = [p["ratios"][m] for p in used if p["ratios"]]
        out[m] = {"ours": statistics.median(p["ours"][m] for p in used),
                  "theirs": statistics.median(theirs) if theirs else None,
                  "ratio": spread(ratios) if ratios else None}
    return out
