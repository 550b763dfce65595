"""A one-line terminal progress bar with throughput and time left."""
import sys
import time


def format_seconds(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class ProgressBar:
    """Redraws ``label [#####.....] done/total rate ETA`` in place, at most ten times a second.

    When the stream is not a terminal (a CI log) nothing is drawn: the per-epoch lines suffice.
    """

    def __init__(self, stream=None, width=30):
        self.stream = stream or sys.stderr
        self.width, self._last = width, 0.0
        self.enabled = self.stream.isatty()

    def update(self, label, done, total, rate=None, unit="img", force=False):
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and not force):
            return
        self._last = now
        filled = int(self.width * done / total) if total else 0
        bar = "#" * filled + "." * (self.width - filled)
        extra = ""
        if rate:
            extra = f" {rate:,.0f} {unit}/s ETA {format_seconds((total - done) / rate)}"
        self.stream.write(f"\r{label} [{bar}] {done:,}/{total:,}{extra}\033[K")
        self.stream.flush()

    def clear(self):
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()
