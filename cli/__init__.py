"""The command-line subcommands of ``app.py``; each module adds one subparser and its ``run``."""
from digit_draw.shipped import SHIPPED_WEIGHTS  # a pathlib.Path: weights/ here, or the installed copy


class UsageError(Exception):
    """A user's mistake: ``app.py`` prints it on one line and exits with code 2."""


class CommandFailed(Exception):
    """A command that ran but could not do its job: ``app.py`` prints it on one line, exit code 1."""
