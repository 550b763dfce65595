"""The printed tables: one value column per BLAS column, side by side."""
import figures

LABEL, CELL = 44, 26
SHORT = {"p50_us": " p50", "p95_us": " p95", "images_per_s": "", "seconds": ""}
warnings = []  # printed again at the end, so they cannot scroll away


def row(label, cells):
    print(f"  {label:<{LABEL - 2}}" + "".join(f"{c:>{CELL}}" for c in cells))


def heading(title, records):
    print(f"\n{title}")
    if len(records) > 1:
        row("", [r["label"] for r in records])


def value(v, unit):
    return "-" if v is None else f"{v:.2f} s" if unit == "s" else f"{v:,.0f}"


def ratio(r):
    return "-" if r is None else f"x{r['median']:.2f} [{r['min']:.2f}-{r['max']:.2f}]"


def settings(host, records):
    print(f"machine: {host['cpu']}, {host['cpu_count']} cores ({host['usable_cores']} usable), "
          f"{host['platform']}, Python {host['python']}")
    if len(records) == 1:
        print("columns: ONE. Neither OPENBLAS_CORETYPE nor OPENBLAS_L2_SIZE is set here, so the "
              "environment as found\n         already is the setting without them: run once, "
              f"labelled {records[0]['label']!r}.")
    heading("settings", records)
    libs = [r["libraries"] for r in records]
    for var in libs[0]["variables"]:
        row(var, [lib["variables"][var] or "unset" for lib in libs])
    row("BLAS kernel (threadpoolctl)", [blas(lib, "{internal_api} {architecture}") for lib in libs])
    row("BLAS threads (inside single_threaded_blas)",
        [blas(lib, "{num_threads} ({num_threads_in_single_threaded_blas})") for lib in libs])
    row("NumPy", [lib["numpy"] for lib in libs])
    row("PyTorch (default threads)", [torch(lib, r) for lib, r in zip(libs, records)])
    row("cnn workers = default_workers()", [r["workers"] for r in records])
    for r in records:
        print(f"  evaluated ({r['label']}): {evaluated(r)}")


def torch(libraries, record):
    t = libraries.get("torch")
    return f"{t['version']} ({t['default_threads']})" if t else record["torch_skipped"]


def blas(libraries, fmt):
    return "; ".join(fmt.format(**b) for b in libraries["blas"]) or "none found"


def evaluated(record):
    """Which digits and weights the evaluate row used, and the accuracy each side found."""
    first = record["series"]["evaluate"]["pairs"][0]
    accuracy = ", ".join(f"{side} {first[side]['accuracy']:.2%}"
                         for side in ("ours", "theirs") if first[side])
    return f"{record['test_digits']}, {record['evaluated_weights']}; accuracy {accuracy}"


def roofline(records):
    heading(f"roofline: float32 GEMM {records[0]['roofline']['gemm_size']}^3, GFLOP/s, fastest run", records)
    rf = [r["roofline"] for r in records]
    row("1 thread (single_threaded_blas)", [f"{x['peak_gflops_1_thread']:.0f}" for x in rf])
    row("peak = 1 thread x usable cores", [f"{x['peak_gflops_1_thread'] * x['threads']:.0f}" for x in rf])
    row("BLAS's own threads, for comparison", [f"{x['peak_gflops_blas_threads']:.0f}" for x in rf])
    row("matrix-product MFLOP per image: forward", [f"{x['flops_forward'] / 1e6:.2f}" for x in rf])
    row("                                training", [f"{x['flops_train'] / 1e6:.2f}" for x in rf])


def series(records, key, quiet_below):
    """One paired row: the roofline, both sides with their fractions, the ratio, the quiet pairs."""
    first = records[0]["series"][key]
    unit, names = first["unit"], first["summary"]["names"]
    sums = [r["series"][key]["summary"] for r in records]
    per = "median of quiet pairs" + (", of each sample's p50 / p95" if unit == "us" else "")
    heading(f"{first['title']}  [{unit}, {per}; % of the roofline]", records)
    threads = sums[0]["threads"]
    row(f"roofline ({'images/s' if unit == 'images/s' else 'time'} at peak, {threads} "
        f"thread{'s' * (threads > 1)})", [value(s["roofline"], unit) for s in sums])
    for m in first["metrics"]:
        for side in ("ours", "theirs"):
            if names[side]:
                row(names[side] + SHORT[m], [cell(s, m, side, unit) for s in sums])
        if names["theirs"]:
            row(f"ours/PyTorch{SHORT[m]} speed, per pair", [ratio(s[m]["ratio"]) for s in sums])
    row(f"quiet pairs (others' CPU < {quiet_below:g}%)", [quiet(s) for s in sums])
    row("others' CPU, median [max]; steal median", [others(s) for s in sums])
    for r in records:
        print(f"  others' CPU by pair, % (* not quiet), {r['label']}: {by_pair(r['series'][key]['pairs'])}")
    for r, s in zip(records, sums):
        if s["all_pairs_used"]:
            warnings.append(f"NO QUIET PAIR in {first['title']!r} ({r['label']}): its figures use ALL pairs")
            print(f"  !!! {warnings[-1]}")


def cell(s, m, side, unit):
    frac = s[m]["roofline_fraction"].get(side)
    return f"{value(s[m][side], unit)}  {frac:4.0%}" + (" !" if s["all_pairs_used"] else "  ")


def quiet(s):
    return f"{s['quiet']}/{s['pairs']}" + (" - ALL USED !" if s["all_pairs_used"] else "")


def others(s):
    if s["others_cpu"] is None:
        return "no /proc/stat"
    o, st = s["others_cpu"], s["steal"]  # tick rounding can take a figure just below 0
    return f"{max(0.0, o['median']):.0%} [{max(0.0, o['max']):.0%}]; {st['median']:.0%}"


def by_pair(pairs):
    return " ".join("?" if p["others_cpu"] is None else
                    f"{'' if p['quiet'] else '*'}{max(0.0, p['others_cpu']) * 100:.0f}" for p in pairs)


def naive(records):
    nv = records[0]["naive"]
    heading(f"naive loop version, one image at a time, not paired ({nv['train_images']} images trained, "
            f"{nv['infer_images']} inferred)  [images/s]", records)
    row("naive training (forward, backward, SGD)",
        [f"{r['naive']['train_images_per_s']:.2f}" for r in records])
    row("naive inference", [f"{r['naive']['infer_images_per_s']:.2f}" for r in records])
    ratios = [figures.naive_ratios(r) for r in records]
    row("ours/naive training (b64, default workers)", [f"x{x['training']:,.0f}" for x in ratios])
    row("ours/naive inference (batch 1000)", [f"x{x['inference']:,.0f}" for x in ratios])


def headlines(records):
    """The issue's figures; the targets are meant for the column without the BLAS variables."""
    columns = [figures.headlines(r) for r in records]
    print("\nheadline figures, medians over quiet pairs (targets from issue 13, for the column "
          "without the BLAS variables)")
    headline_row("", "target", [r["label"] for r in records])
    for i, first in enumerate(columns[0]):
        cells = [headline(col[i] if i < len(col) else None) for col in columns]
        headline_row(first["label"], first["target"], cells)
    for r in records:
        print(f"  evaluated ({r['label']}): {evaluated(r)}")
    if warnings:
        print("\n" + "\n".join(f"!!! {w}" for w in warnings))


def headline_row(label, target, cells):
    print(f"  {label:<{LABEL - 2}}{target:>10}" + "".join(f"{c:>{CELL + 8}}" for c in cells))


def headline(h):
    if h is None:
        return "-"
    if h["all_pairs_used"]:
        return h["text"] + " NO QUIET PAIR"  # a busy machine's figure proves nothing either way
    return h["text"] + ("" if h["met"] is None else " met" if h["met"] else " NOT met")
