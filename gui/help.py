"""The Help menu's texts: every keyboard shortcut, and what this app and its weights are."""
from __future__ import annotations

from importlib import metadata

import cnn

VERSION_UNKNOWN = "(not installed: running from the source tree)"


def version() -> str:
    try:
        return metadata.version("digit-draw")
    except metadata.PackageNotFoundError:
        return VERSION_UNKNOWN


def shortcuts_text(actions) -> str:
    """One line per menu command that has a shortcut, as an HTML table."""
    rows = []
    for action in actions:
        keys = ", ".join(k.toString(k.SequenceFormat.NativeText) for k in action.shortcuts())
        if keys:
            rows.append(f"<tr><td><b>{keys}</b></td><td>&nbsp;&nbsp;{action.text().replace('&', '')}</td></tr>")
    drawing = ("<p>On the canvas: draw with the mouse, a pen or a finger. Digit keys are not used "
               "yet; the guess updates while you draw.</p>")
    return f"<table>{''.join(rows)}</table>{drawing}"


def about_text(active) -> str:
    """The version, the network in use (layers and size) and the weights in use."""
    model = active.model
    parameters = sum(p.data.size for p in model.parameters())
    layers = " → ".join(type(layer).__name__ for layer in model.layers)
    architecture = active.meta.get("architecture", cnn.ARCHITECTURE)
    return (f"<h3>Digit Draw {version()}</h3>"
            "<p>Draw a digit; a convolutional network written from scratch in NumPy reads it as you "
            "draw. Train it in the same window and watch it learn.</p>"
            f"<p><b>Network:</b> {architecture}, {parameters:,} parameters<br>{layers}</p>"
            f"<p><b>{active.describe()}</b></p>")
