"""Digit Draw: draw a digit, watch a NumPy CNN read it. ``python app.py --help`` for the commands.

The command itself is ``digit_draw.main`` (what the installed ``digit-draw`` runs); this file lets
a working tree start it as ``python app.py``.
"""
import sys

from digit_draw.main import main

if __name__ == "__main__":
    sys.exit(main())
