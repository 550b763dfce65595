"""Colours and pyqtgraph defaults shared by the views (one place to restyle the app)."""
import pyqtgraph as pg

ACCENT = "#2f6fde"
ACCENT_SOFT = "#a9c1ee"
TRAIN = "#2f6fde"
TRAIN_RAW = "#c7d6f3"
TEST = "#e0782f"
GOOD = "#2e9d57"
MUTED = "#6b7280"
ERROR_BG = "#fde8e8"
ERROR_FG = "#8a1c1c"
NOTICE_BG = "#e8f0fd"
NOTICE_FG = "#1c3d8a"

_configured = False


def configure_pyqtgraph() -> None:
    """Light plots with antialiased lines; must run before the first plot is created."""
    global _configured
    if not _configured:
        pg.setConfigOptions(background="w", foreground="#404040", antialias=True)
        _configured = True


def style_plot(plot: pg.PlotItem, title: str, left: str, bottom: str) -> None:
    plot.setTitle(title, size="10pt")
    plot.setLabel("left", left)
    plot.setLabel("bottom", bottom)
    for axis in ("left", "bottom"):
        plot.getAxis(axis).enableAutoSIPrefix(False)  # no "(x0.001)" rescaling of the labels
    plot.setMenuEnabled(False)
    plot.hideButtons()
