"""The command-line subcommands of ``app.py``; each module adds one subparser and its ``run``."""
from pathlib import Path

SHIPPED_WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "digitnet.npz"


class UsageError(Exception):
    """A user's mistake: ``app.py`` prints it on one line and exits with code 2."""


class CommandFailed(Exception):
    """A command that ran but could not do its job: ``app.py`` prints it on one line, exit code 1."""
