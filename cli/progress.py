"""A one-line terminal progress bar with throughput and time left."""
import sys
import time


def format_seconds(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class ProgressBar:
    """Redraws ``label [#####.....] done/total rate ETA`` in place, at most ten times a second.

    When the stream is not a terminal (a CI log, a pipe) nothing is redrawn. With ``steps`` set,
    a plain line is written instead each time another 1/steps of the total is done, so a log of
    a long run is not silent between its summary lines.
    """

    def __init__(self, stream=None, width=30, steps=0):
        self.stream = stream or sys.stderr
        self.width, self.steps, self._last = width, steps, 0.0
        self.enabled = self.stream.isatty()
        self._step = {}  # label -> the last step written as a plain line

    def update(self, label, done, total, rate=None, unit="img", force=False):
        if not self.enabled:
            self._plain_line(label, done, total, rate, unit)
            return
        now = time.monotonic()
        if now - self._last < 0.1 and not force:
            return
        self._last = now
        filled = int(self.width * done / total) if total else 0
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{label} [{bar}] {done:,}/{total:,}{_rate(rate, done, total, unit)}\033[K")
        self.stream.flush()

    def clear(self):
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _plain_line(self, label, done, total, rate, unit):
        step = self.steps * done // total if self.steps and total else 0
        if step <= self._step.get(label, 0) or done >= total:  # the whole is reported by the caller
            return
        self._step[label] = step
        self.stream.write(f"{label}: {done / total:.0%} ({done:,}/{total:,}){_rate(rate, done, total, unit)}\n")
        self.stream.flush()


def _rate(rate, done, total, unit):
    return f" {rate:,.0f} {unit}/s ETA {format_seconds((total - done) / rate)}" if rate else ""
