"""A row of the benchmark: one pair of contenders, what a sample measures, and its roofline."""
from dataclasses import dataclass
from typing import Callable

import pairs
import roofline


@dataclass(repr=False)
class Series:
    """Args:
        key, title: how the JSON and the table name it.
        ours, theirs: contenders (theirs is None without PyTorch).
        measure: ``measure(contender) -> {metric: value}``, one sample.
        metrics: the metrics summarised, all in ``unit``: "images/s", "us" or "s".
        flops: matrix-product FLOPs per image; images: images per timed call (times only).
        threads: the threads both sides use, for the roofline (1 for batch-1 latency: a single
            image gives threads little to share).
    """
    key: str
    title: str
    ours: object
    theirs: object
    measure: Callable
    metrics: tuple
    unit: str
    flops: int
    threads: int
    images: int = 1
    names: tuple = None  # (ours, theirs) as printed; default: the contenders' names

    def __repr__(self):
        return f"Series({self.key!r}, {self.ours!r} vs {self.theirs!r})"

    @property
    def higher_is_better(self):
        return self.unit == "images/s"

    def roof(self, roof):
        """The roofline in this series' unit: images/s, or the time the work would take at peak."""
        speed = roofline.images_per_s(roof, self.flops, self.threads)
        return speed if self.higher_is_better else self.images / speed * {"us": 1e6, "s": 1.0}[self.unit]

    def fraction(self, value, roof_value):
        return value / roof_value if self.higher_is_better else roof_value / value

    def run(self, n, quiet_below, roof):
        """``n`` interleaved pairs, their summary over quiet pairs, and the roofline fractions."""
        theirs = (lambda: self.measure(self.theirs)) if self.theirs else None
        records = pairs.run_pairs(lambda: self.measure(self.ours), theirs, n, quiet_below,
                                  self.metrics, self.higher_is_better)
        summary = pairs.summarize(records, self.metrics)
        ours, theirs = self.names or (self.ours.name, self.theirs and self.theirs.name)
        summary["names"] = {"ours": ours, "theirs": theirs if self.theirs else None}
        summary["threads"] = self.threads
        summary["roofline"] = top = self.roof(roof)
        for m in self.metrics:
            summary[m]["roofline_fraction"] = {side: self.fraction(summary[m][side], top)
                                               for side in ("ours", "theirs") if summary[m][side] is not None}
        return {"title": self.title, "unit": self.unit, "metrics": list(self.metrics), "images": self.images,
                "summary": summary, "pairs": records}
