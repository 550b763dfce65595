"""Colours and pyqtgraph defaults shared by the views (one place to restyle the app)."""
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextOption

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


def legend_html(title: str, entries) -> str:
    """A plot title that is also its legend: ``entries`` of (glyph, colour, name), e.g. ("━", TRAIN, "train").

    A line above the plot instead of pyqtgraph's legend box, which sits on top of the curves.
    """
    keys = "&nbsp;&nbsp;".join(f"<span style='color:{colour}'>{glyph}</span>&nbsp;{name}"
                               for glyph, colour, name in entries)
    return f"<b>{title}</b>&nbsp;&nbsp;&nbsp;<span style='font-size:8pt'>{keys}</span>"


def set_legend_title(plot: pg.PlotItem, title: str, entries) -> None:
    """Give ``plot`` a ``legend_html`` title that a narrow window clips rather than obeys.

    A LabelItem pins its minimum width to its text at every resize, so a long title pushed the
    plot beside it out of view; here its end is cut off instead.
    """
    plot.setTitle(legend_html(title, entries), size="10pt", justify="left")
    label = plot.titleLabel
    pinned = label.updateMin

    def update_min():
        pinned()
        label.setMinimumWidth(0)

    label.updateMin = update_min  # LabelItem calls it on itself, from resizeEvent and setText
    label.setFlag(label.GraphicsItemFlag.ItemClipsChildrenToShape)
    update_min()


def plot_hint(plot: pg.PlotItem, text: str) -> pg.TextItem:
    """A muted note in the middle of an empty plot, saying what will appear there.

    Ignored by autorange: a text item has a fixed size in pixels, so its size in data units
    shrinks as the view zooms in, and a view fitted to it would zoom in forever.
    """
    hint = pg.TextItem(text, color=MUTED, anchor=(0.5, 0.5))
    lines = hint.textItem
    lines.document().setDefaultTextOption(QTextOption(Qt.AlignHCenter))
    lines.setTextWidth(lines.boundingRect().width())  # centred lines need a width to centre in
    plot.addItem(hint, ignoreBounds=True)
    return hint
