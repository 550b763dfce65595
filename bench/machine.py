"""What a run measured on: the machine (``host``, in the parent) and, in each column's child,
the BLAS variables, the BLAS kernel threadpoolctl reports and PyTorch's threads."""
import contextlib
import os
import pathlib
import platform

import numpy as np
from threadpoolctl import threadpool_info

from cnn.blas import single_threaded_blas

VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # read by OpenBLAS when it loads


def host():
    return {"platform": platform.platform(), "python": platform.python_version(), "cpu": cpu_name(),
            "cpu_count": os.cpu_count(), "usable_cores": usable_cores(), "load_average_start": load()}


def usable_cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def load():
    """The 1-minute load average (None where the OS has none): how busy the machine was."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def cpu_name():
    with contextlib.suppress(OSError):
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def libraries(torch):
    """The BLAS variables as this process sees them, NumPy's BLAS libraries and PyTorch's threads."""
    keys = ("internal_api", "version", "architecture", "threading_layer", "num_threads", "filepath")
    with single_threaded_blas():
        inside = {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}
    blas = [{**{k: i.get(k) for k in keys},
             "num_threads_in_single_threaded_blas": inside.get(i["filepath"])}
            for i in threadpool_info() if i["user_api"] == "blas"]
    out = {"variables": {v: os.environ.get(v) for v in VARIABLES}, "numpy": np.__version__, "blas": blas}
    if torch is not None:
        out["torch"] = {"version": torch.__version__, "default_threads": torch.get_num_threads(),
                        "mkl": torch.backends.mkl.is_available(),
                        "onednn": torch.backends.mkldnn.is_available()}
    return out


def blas_line(libs):
    """One line: the variables' values and the kernel, e.g. ``OPENBLAS_CORETYPE unset, ... Haswell``."""
    variables = ", ".join(f"{k}={v}" if v is not None else f"{k} unset" for k, v in libs["variables"].items())
    kernels = "; ".join(f"{b['internal_api']} {b['version']} kernel {b['architecture']}, "
                        f"{b['num_threads']} threads" for b in libs["blas"])
    return f"{variables}; {kernels or 'no BLAS found by threadpoolctl'}"
