"""The Digit Draw desktop app (PySide6). It uses ``cnn`` only through its public API."""


def run(argv=None, weights_path=None, data_dir=None) -> int:
    """Show the window and run the event loop; returns the exit code.

    Args:
        argv: command-line arguments for Qt (default ``sys.argv``).
        weights_path: weights file to start with (default: the shipped ``weights/digitnet.npz``,
            or an untrained network when that is missing).
        data_dir: folder holding MNIST (default: ``$MNIST_DIR``, then the cache folder).
    """
    from gui.application import run as _run  # Qt is imported only when the app is started

    return _run(argv, weights_path, data_dir)
