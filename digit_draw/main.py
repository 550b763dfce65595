"""The command: the window without a subcommand, else ``train``, ``evaluate``, ``predict`` or
``download``. The installed ``digit-draw`` runs ``main``; in a working tree ``app.py`` does."""
import sys

from cli import SHIPPED_WEIGHTS, CommandFailed, UsageError
from cli import download, evaluate, predict, train
from cli.args import OneLineParser


def build_parser():
    parser = OneLineParser(prog="app.py", description="Digit Draw. Without a command, opens the window.")
    parser.add_argument("--weights", metavar="PATH", help=f"weights to open (default {SHIPPED_WEIGHTS.name})")
    parser.add_argument("--data-dir", metavar="DIR", help="MNIST folder (default: $MNIST_DIR, then the cache)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for module in (train, evaluate, predict, download):
        module.add_parser(subparsers)
    return parser


def user_errors():
    """Exceptions that mean the user asked for something impossible: one line, exit code 2."""
    import cnn  # not Qt: a machine without Qt's libraries still gets one-line errors
    return (UsageError, cnn.WeightsFileError, cnn.MnistNotFoundError, cnn.MnistFormatError,
            FileNotFoundError, IsADirectoryError, PermissionError)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        import gui
        return gui.run(weights_path=args.weights, data_dir=args.data_dir)
    import cnn
    try:
        return args.run(args)
    except user_errors() as e:
        one_line = "; ".join(part.strip() for part in str(e).splitlines() if part.strip())
        print(f"app.py {args.command}: error: {one_line}", file=sys.stderr)
        return 2
    except (CommandFailed, cnn.DownloadError) as e:
        print(f"app.py {args.command}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\napp.py {args.command}: interrupted", file=sys.stderr)
        return 130

