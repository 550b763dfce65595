"""``train --plot``: loss and accuracy per epoch as a PNG, drawn offscreen with pyqtgraph."""
import os
from pathlib import Path


def save_history_plot(path, epochs):
    """Write a two-panel PNG (loss, accuracy; training and test) for a list of ``EpochInfo``.

    Raises ``OSError`` when the file could not be written; an existing file is then left as it was.
    """
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a file, not a window, even where there is a screen
    import pyqtgraph as pg
    import pyqtgraph.exporters  # noqa: F401  (registers ImageExporter)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    layout = pg.GraphicsLayoutWidget()
    layout.resize(900, 380)
    x = [e.epoch for e in epochs]
    panels = [("loss", "loss", "val_loss", 1.0, (-10, 10)),  # legends where the curves are not
              ("accuracy (%)", "accuracy", "val_accuracy", 100.0, (-10, -30))]
    for title, train_key, test_key, scale, corner in panels:
        plot = layout.addPlot(title=title)
        plot.addLegend(offset=corner)
        plot.showGrid(x=True, y=True, alpha=0.3)
        plot.setLabel("bottom", "epoch")
        plot.plot(x, [getattr(e, train_key) * scale for e in epochs], pen=pg.mkPen("#1f77b4", width=2),
                  symbol="o", symbolSize=6, name="training")
        plot.plot(x, [getattr(e, test_key) * scale for e in epochs], pen=pg.mkPen("#d62728", width=2),
                  symbol="s", symbolSize=6, name="test")
    layout.show()  # lays the plots out at the widget's size; offscreen, nothing appears
    app.processEvents()
    exporter = pg.exporters.ImageExporter(layout.scene())
    exporter.parameters()["width"] = 900
    image = exporter.export(toBytes=True)
    layout.close()
    _save_png(image, Path(path))


def _save_png(image, path):
    """Save a QImage as PNG through a temporary file, so a failed write never leaves half a picture.

    QImage.save reports failure (a folder, no permission, a full disk) only as False.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if not image.save(str(tmp), "PNG") or not tmp.is_file():
            raise OSError(f"could not write {path}")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
