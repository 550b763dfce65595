"""The shipped weights. Installed as the package ``digit_draw.weights`` (see ``pyproject.toml``), so
``importlib.resources`` finds ``digitnet.npz`` wherever the app is; ``digit_draw/shipped.py`` looks it up."""
