"""The two BLAS columns: the environment as found, and the same without the BLAS variables.

Some machines set OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which force OpenBLAS's older kernels;
a user's machine does not. OpenBLAS reads them once, when it loads, so each column is a child
process of ``speed.py`` with its own environment. Only that child's environment loses them.
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from machine import VARIABLES

SPEED = Path(__file__).resolve().parent / "speed.py"
FOUND, UNSET, SAME = "as found", "BLAS variables unset", "as found = BLAS variables unset"


def plan(environ=os.environ):
    """``[(label, environment)]``: two columns, or one when neither variable is set (then the
    environment as found already is the setting without them)."""
    if not any(v in environ for v in VARIABLES):
        return [(SAME, dict(environ))]
    return [(FOUND, dict(environ)), (UNSET, {k: v for k, v in environ.items() if k not in VARIABLES})]


def run(columns, child_args, timeout):
    """Run ``speed.py --child LABEL ... child_args`` once per column; returns the records of
    those that finished. A column stopped after ``timeout`` seconds (an odd BLAS variable can
    make OpenBLAS crawl) is left out with a message; any other failure stops the run."""
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, env) in enumerate(columns):
            out = Path(tmp) / f"column{i}.json"
            cmd = [sys.executable, str(SPEED), "--child", label, "--child-out", str(out), *child_args]
            print(f"\n=== column {i + 1} of {len(columns)}: {label} ===", flush=True)
            try:
                done = subprocess.run(cmd, env=env, timeout=timeout)
            except subprocess.TimeoutExpired:
                print(f"!!! the column {label!r} did not finish within {timeout:.0f} s: left out", flush=True)
                continue
            if done.returncode:
                sys.exit(f"the column {label!r} failed (exit code {done.returncode}); see above")
            records.append(json.loads(out.read_text()))
    if not records:
        sys.exit("no column finished")
    return records
