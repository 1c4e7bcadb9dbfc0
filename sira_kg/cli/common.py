"""What every ``sira-kg`` command shares: exit codes, errors, settings, the store.

Why apart: the commands are grouped by task in their own modules; the
conventions (exit 0/1/2, messages on stderr, data on stdout, an empty store
bootstrapped before use, quiet on a closed pipe) are written once, here.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sira_kg.core.settings import Settings

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT = 0, 1, 2


class CliError(Exception):
    """A problem to report on stderr with an exit code, never a traceback."""

    def __init__(self, message: str, code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.code = code


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings, with the store given by ``--store`` if any."""
    settings = Settings()
    if getattr(args, "store", None):
        settings = settings.with_(store_path=Path(args.store))
    return settings


def open_store_of(args: argparse.Namespace, *, bootstrap: bool = True):
    """Open the store named by --store; an empty one is bootstrapped first."""
    from sira_kg.core.bootstrap import BootstrapError, ensure_bootstrapped
    from sira_kg.core.store import StoreError, open_store

    settings = settings_from(args)
    try:
        store = open_store(settings)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    if bootstrap:
        try:
            result = ensure_bootstrapped(store, settings)
        except BootstrapError as exc:
            raise CliError(str(exc)) from None
        for iri in result.recovered:
            print(f"sira-kg: dropped the interrupted bulk load <{iri}>", file=sys.stderr)
        for problem in result.problems:
            print(f"sira-kg: warning: shipped data does not conform: {problem}", file=sys.stderr)
    return store, settings


def syntax_error(exc: SyntaxError, path: object) -> CliError:
    """A pyoxigraph syntax error as a message with file, line and column (exit 2)."""
    where = str(getattr(exc, "filename", None) or path)
    if exc.lineno:
        where += f":{exc.lineno}"
        if exc.offset:
            where += f":{exc.offset}"
    message = str(exc.msg or exc).split(": ", 1)[-1]
    return CliError(f"{where}: {message}", EXIT_INPUT)


def text_table(header: list[str], rows: list[list[object]]) -> str:
    """A plain text table; numbers right-aligned."""
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    numeric = [all(isinstance(r[i], int) for r in rows) and rows for i in range(len(header))]
    lines = []
    for n, r in enumerate(cells):
        parts = [
            c.rjust(w) if numeric[i] else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def silence_stdout() -> None:
    """The reader of stdout has gone (``sira-kg ... | head``): send the rest to /dev/null.

    So that the flush at exit cannot fail again; the command stops quietly, as cat does.
    """
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def store_arg(p: argparse.ArgumentParser) -> None:
    """The ``--store DIR`` option of the commands that open the store."""
    p.add_argument(
        "--store",
        metavar="DIR",
        help="Oxigraph store directory (default: $SIRA_KG_STORE or var/store)",
    )
