"""How much CPU other processes took while a piece of the benchmark ran.

``/proc/stat`` counts the busy time of the whole machine (user, nice, system, irq, softirq and
steal, in clock ticks); ``os.times()`` counts this process's own (every thread, PyTorch's OpenMP
threads included). Busy minus own, as a fraction of elapsed x cores, is what the others used.
Steal (time the hypervisor gave another guest) is part of it and is also reported alone.

    start = snapshot(); ...; use = usage(start, snapshot())
"""
import os
import time

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
BUSY = ("user", "nice", "system", "irq", "softirq", "steal")  # guest time is already inside user


def machine_ticks():
    """``(busy seconds, steal seconds, cores)`` of the whole machine; None without /proc/stat."""
    try:
        with open("/proc/stat") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    ticks = dict(zip(FIELDS, map(int, lines[0].split()[1:1 + len(FIELDS)])))
    cores = sum(1 for line in lines if line.startswith("cpu") and line[3:4].isdigit())
    return sum(ticks[k] for k in BUSY) / TICK, ticks["steal"] / TICK, cores


def snapshot():
    """``(wall seconds, own CPU seconds, machine_ticks())`` now."""
    t = os.times()
    return time.perf_counter(), t.user + t.system, machine_ticks()


def usage(start, end):
    """CPU use between two snapshots as fractions of elapsed x cores.

    Returns ``{"elapsed_s", "cores", "own_cpu", "others_cpu", "steal"}``; the last three are None
    where the OS has no /proc/stat. Tick rounding can make ``others_cpu`` a little below 0.
    """
    elapsed, own = end[0] - start[0], end[1] - start[1]
    if start[2] is None or end[2] is None:
        return {"elapsed_s": round(elapsed, 4), "cores": os.cpu_count(), "own_cpu": None,
                "others_cpu": None, "steal": None}
    busy, steal, cores = end[2][0] - start[2][0], end[2][1] - start[2][1], end[2][2]
    capacity = max(elapsed * cores, 1e-9)
    return {"elapsed_s": round(elapsed, 4), "cores": cores, "own_cpu": round(own / capacity, 4),
            "others_cpu": round((busy - own) / capacity, 4), "steal": round(steal / capacity, 4)}
