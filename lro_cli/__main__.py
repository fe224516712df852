"""The `lro` process (the console script and `python -m lro_cli`).

`lro --version` is answered here, with the line Typer would print, before Typer is imported
(importing it is most of the start-up time). Everything else goes to `lro_cli.cli.main`.
"""

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        _print_version()
        return
    from lro_cli.cli import main as run_cli

    run_cli()


def _print_version() -> None:
    from lro_cli import __version__

    try:
        sys.stdout.write(f"lro {__version__}\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # As `lro_cli.cli.main` does: exit 141, and no second report when Python flushes.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)


if __name__ == "__main__":
    main()
