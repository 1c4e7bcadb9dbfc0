"""The ``sira-kg`` command: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success, 1 violations (SHACL) or a failed check, 2 unreadable
input or bad usage. Messages go to stderr; data goes to stdout.
Each ``cmd_*`` function stays thin: the work is done in sira_kg.core,
sira_kg.loaders and sira_kg.endpoint.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sira_kg import __version__
from sira_kg.core.settings import Settings

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT = 0, 1, 2


class CliError(Exception):
    """A problem to report on stderr with an exit code, never a traceback."""

    def __init__(self, message: str, code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.code = code


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "store", None):
        settings = settings.with_(store_path=Path(args.store))
    return settings


def _not_built(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        raise CliError(f"`sira-kg {name}` is not built yet", EXIT_INPUT)

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sira-kg",
        description="Knowledge graph of migrant and refugee integration in European regions.",
    )
    parser.add_argument("--version", action="version", version=f"sira-kg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def store_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--store",
            metavar="DIR",
            help="Oxigraph store directory (default: $SIRA_KG_STORE or var/store)",
        )

    p = sub.add_parser("serve", help="serve the SPARQL endpoint, API and pages")
    store_arg(p)
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=_not_built("serve"))

    p = sub.add_parser(
        "validate", help="SHACL report for RDF files (exit 0 conforms, 1 violations, 2 unreadable)"
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--format", dest="output_format", choices=["text", "json", "turtle"], default="text"
    )
    p.add_argument("--lang", choices=["en", "fr"], default="en")
    p.add_argument("--input-format", default=None, help="RDF syntax if not given by the extension")
    p.set_defaults(func=_not_built("validate"))

    p = sub.add_parser("load", help="validate then load RDF or CSV files into the store")
    p.add_argument("files", nargs="+", metavar="FILE")
    store_arg(p)
    p.add_argument("--graph", metavar="IRI", help="named graph to load into")
    p.add_argument(
        "--format",
        dest="input_format",
        default=None,
        help="RDF syntax if not given by the extension",
    )
    p.add_argument("--no-validate", action="store_true", help="trusted bulk loads only: skip SHACL")
    p.set_defaults(func=_not_built("load"))

    p = sub.add_parser("convert", help="print the RDF of a partner CSV template file")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", dest="output_format", default="turtle")
    p.set_defaults(func=_not_built("convert"))

    p = sub.add_parser("query", help="run SPARQL or a named question")
    store_arg(p)
    p.add_argument("sparql", nargs="?", metavar="QUERY")
    p.add_argument("--file", metavar="FILE.rq")
    p.add_argument("--question", metavar="NAME")
    p.add_argument("--param", action="append", default=[], metavar="K=V")
    p.add_argument("--lang", default="en")
    p.add_argument(
        "--format", dest="output_format", choices=["table", "csv", "json"], default="table"
    )
    p.set_defaults(func=_not_built("query"))

    p = sub.add_parser("export", help="write the whole dataset as N-Quads")
    store_arg(p)
    p.add_argument("-o", "--output", metavar="FILE", help="default: stdout")
    p.set_defaults(func=_not_built("export"))

    p = sub.add_parser("import", help="restore an N-Quads export into the store")
    p.add_argument("file", metavar="FILE")
    store_arg(p)
    p.set_defaults(func=_not_built("import"))

    p = sub.add_parser("stats", help="triples per graph, instances per class")
    store_arg(p)
    p.set_defaults(func=_not_built("stats"))

    p = sub.add_parser("synth", help="deterministic synthetic multi-region data (N-Quads)")
    p.add_argument("--regions", type=int, required=True)
    p.add_argument("--actions", type=int, required=True, help="actions per region")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", metavar="FILE", help="default: stdout")
    p.set_defaults(func=_not_built("synth"))

    p = sub.add_parser("partner", help="manage contributor tokens")
    psub = p.add_subparsers(dest="partner_command", required=True, metavar="ACTION")
    for name, helptext in (
        ("add", "create a partner, print its token once"),
        ("revoke", "revoke a partner's token"),
    ):
        pp = psub.add_parser(name, help=helptext)
        pp.add_argument("name", metavar="NAME")
        store_arg(pp)
        pp.set_defaults(func=_not_built(f"partner {name}"))
    pp = psub.add_parser("list", help="list partners")
    store_arg(pp)
    pp.set_defaults(func=_not_built("partner list"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"sira-kg: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
