"""The ``sira-kg`` command: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success, 1 violations (SHACL) or a failed check, 2 unreadable
input or bad usage. Messages go to stderr; data goes to stdout.

The commands are grouped by the user's task, each group in its own module,
each ``cmd_*`` function thin (the work is done in sira_kg.core,
sira_kg.loaders and sira_kg.endpoint):

* :mod:`.serve`     serve
* :mod:`.data`      validate, load, convert, synth (data in)
* :mod:`.query`     query (SPARQL or a named question)
* :mod:`.store`     export, import, stats, report (the store as a whole)
* :mod:`.partners`  partner add, list, revoke (contributor tokens)
* :mod:`.common`    exit codes, errors, settings, opening the store

This module holds the one table of commands and their arguments
(:func:`build_parser`, in the order ``--help`` lists them) and :func:`main`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sira_kg import __version__
from sira_kg.cli.common import CliError, silence_stdout, store_arg
from sira_kg.cli.data import cmd_convert, cmd_load, cmd_synth, cmd_validate
from sira_kg.cli.partners import (
    cmd_partner_add,
    cmd_partner_list,
    cmd_partner_revoke,
    cmd_partner_rotate,
)
from sira_kg.cli.query import cmd_query
from sira_kg.cli.serve import cmd_serve
from sira_kg.cli.store import cmd_export, cmd_import, cmd_report, cmd_stats


def _base_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--base",
        metavar="IRI",
        help="resolve relative IRIs against IRI (else a relative IRI is an error)",
    )


def _expires_days(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--expires-days",
        type=int,
        metavar="N",
        help="the token stops working after N days (default: never)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Every command and its arguments."""
    parser = argparse.ArgumentParser(
        prog="sira-kg",
        description="Knowledge graph of migrant and refugee integration in European regions.",
    )
    parser.add_argument("--version", action="version", version=f"sira-kg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="serve the SPARQL endpoint, API and pages")
    store_arg(p)
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "validate", help="SHACL report for RDF files (exit 0 conforms, 1 violations, 2 unreadable)"
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--format", dest="output_format", choices=["text", "json", "turtle"], default="text"
    )
    p.add_argument("--lang", choices=["en", "fr"], default="en")
    p.add_argument("--input-format", default=None, help="RDF syntax if not given by the extension")
    p.add_argument(
        "--store",
        metavar="DIR",
        help="judge references as a server on this store does (default: no store; only the "
        "shipped data is context)",
    )
    _base_arg(p)
    p.set_defaults(func=cmd_validate)

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
    p.add_argument("--replace", action="store_true", help="replace the --graph if it exists")
    p.add_argument("--lang", choices=["en", "fr"], default="en", help="language of the report")
    _base_arg(p)
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("convert", help="print the RDF of a partner CSV template file")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", dest="output_format", default="turtle")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("query", help="run SPARQL or a named question")
    store_arg(p)
    p.add_argument("sparql", nargs="?", metavar="QUERY")
    p.add_argument("--file", metavar="FILE.rq")
    p.add_argument("--question", metavar="NAME")
    p.add_argument("--param", action="append", default=[], metavar="K=V")
    p.add_argument("--limit", metavar="N", help="--question: at most N rows (default: all)")
    p.add_argument("--offset", metavar="N", help="--question: skip the first N rows")
    p.add_argument("--lang", default="en")
    p.add_argument(
        "--format", dest="output_format", choices=["table", "csv", "json"], default="table"
    )
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("export", help="write the whole dataset as N-Quads")
    store_arg(p)
    p.add_argument("-o", "--output", metavar="FILE", help="default: stdout")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="restore an N-Quads export into an empty store")
    p.add_argument("file", metavar="FILE")
    store_arg(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("stats", help="triples per graph, instances per class")
    store_arg(p)
    p.add_argument("--format", dest="output_format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser(
        "report", help="per region: what the graph holds and what the sources leave open"
    )
    store_arg(p)
    p.add_argument("--format", dest="output_format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("synth", help="deterministic synthetic multi-region data (N-Quads)")
    p.add_argument("--regions", type=int, required=True)
    p.add_argument("--actions", type=int, required=True, help="actions per region")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", metavar="FILE", help="default: stdout")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("partner", aliases=["partners"], help="manage contributor tokens")
    psub = p.add_subparsers(dest="partner_command", required=True, metavar="ACTION")
    pp = psub.add_parser("add", help="create a partner, print its token once")
    pp.add_argument("name", metavar="NAME", help="a slug: a-z, 0-9 and hyphens")
    pp.add_argument(
        "--base",
        metavar="IRI",
        help="IRI space it mints in (default https://w3id.org/sira/id/NAME/)",
    )
    _expires_days(pp)
    store_arg(pp)
    pp.set_defaults(func=cmd_partner_add)
    pp = psub.add_parser("rotate", help="a new token for a partner; the old one stops at once")
    pp.add_argument("name", metavar="NAME")
    _expires_days(pp)
    store_arg(pp)
    pp.set_defaults(func=cmd_partner_rotate)
    pp = psub.add_parser("revoke", help="revoke a partner's token (takes effect at once)")
    pp.add_argument("name", metavar="NAME")
    store_arg(pp)
    pp.set_defaults(func=cmd_partner_revoke)
    pp = psub.add_parser("list", help="list partners")
    store_arg(pp)
    pp.add_argument("--format", dest="output_format", choices=["table", "json"], default="table")
    pp.set_defaults(func=cmd_partner_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``sira-kg`` command; its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"sira-kg: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        silence_stdout()  # `sira-kg stats | head`: the reader left
        return 141
