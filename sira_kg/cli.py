"""The ``sira-kg`` command: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success, 1 violations (SHACL) or a failed check, 2 unreadable
input or bad usage. Messages go to stderr; data goes to stdout.
Each ``cmd_*`` function stays thin: the work is done in sira_kg.core,
sira_kg.loaders and sira_kg.endpoint.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


# -- partner (sira_kg.core.partners) -------------------------------------------------
def _registry(args: argparse.Namespace):
    from sira_kg.core.partners import PartnerError, open_registry

    try:
        return open_registry(_settings(args))
    except PartnerError as exc:
        raise CliError(str(exc)) from None


def cmd_partner_add(args: argparse.Namespace) -> int:
    """Create a partner; its token goes to stdout once and is never stored or shown again."""
    from sira_kg.core.partners import PartnerError

    registry = _registry(args)
    try:
        partner, token = registry.add(args.name, args.base)
    except PartnerError as exc:
        raise CliError(str(exc)) from None
    print(
        f"partner {partner.name!r} owns {partner.base} and the graphs {partner.graph_prefix}…\n"
        "Its token is below. It is shown only this once and stored only as a hash: "
        "give it to the partner now.",
        file=sys.stderr,
    )
    print(token)
    return EXIT_OK


def cmd_partner_list(args: argparse.Namespace) -> int:
    """Partners, their IRI spaces and status; never a token (only hashes are stored)."""
    import json

    partners = _registry(args).list()
    if args.output_format == "json":
        print(json.dumps([p.to_dict() for p in partners], indent=2))
        return EXIT_OK
    if not partners:
        print("no partners yet (`sira-kg partner add NAME`)", file=sys.stderr)
        return EXIT_OK
    width = max(len(p.name) for p in partners)
    for p in partners:
        status = f"revoked {p.revoked}" if p.revoked else "active"
        print(f"{p.name:<{width}}  {status:<28}  created {p.created}  {p.base}")
    return EXIT_OK


def cmd_partner_revoke(args: argparse.Namespace) -> int:
    """Revoke a token: the running server refuses it from the next request on."""
    from sira_kg.core.partners import PartnerError

    try:
        partner, was_active = _registry(args).revoke(args.name)
    except PartnerError as exc:
        raise CliError(str(exc)) from None
    if was_active:
        print(f"revoked {partner.name!r}; its contributions stay published", file=sys.stderr)
    else:
        print(f"{partner.name!r} was already revoked ({partner.revoked})", file=sys.stderr)
    return EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    """Print the RDF of partner CSV template files (all files in one graph)."""
    from rdflib import Graph

    from sira_kg.loaders.tabular import TabularError, convert_file

    formats = {"turtle": "turtle", "ttl": "turtle", "nt": "nt", "json-ld": "json-ld"}
    fmt = formats.get(args.output_format)
    if fmt is None:
        raise CliError(f"unknown --format {args.output_format!r}; use turtle, nt or json-ld")
    graph = Graph()
    for name in args.files:
        try:
            part = convert_file(name)
        except TabularError as exc:
            raise CliError(str(exc), EXIT_INPUT) from None
        for prefix, ns in part.namespaces():
            graph.bind(prefix, ns, override=True, replace=True)
        graph += part
    if fmt == "json-ld":
        import json

        from sira_kg.core.settings import resource_dir

        context = json.loads((resource_dir("ontology") / "context.jsonld").read_text("utf-8"))
        text = graph.serialize(format="json-ld", context=context["@context"], auto_compact=True)
    else:
        text = graph.serialize(format=fmt)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def cmd_synth(args: argparse.Namespace) -> int:
    """Write deterministic synthetic data (N-Quads) to a file or stdout."""
    from sira_kg.loaders.synth import write_synth

    if args.regions < 1 or args.actions < 0:
        raise CliError("--regions must be at least 1 and --actions at least 0")
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", newline="\n") as out:
                count = write_synth(out, regions=args.regions, actions=args.actions, seed=args.seed)
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror}") from None
        print(f"sira-kg: wrote {count} quads to {args.output}", file=sys.stderr)
        return EXIT_OK
    try:
        write_synth(sys.stdout, regions=args.regions, actions=args.actions, seed=args.seed)
        sys.stdout.flush()
    except BrokenPipeError:  # `sira-kg synth ... | head`: the reader has stopped, not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the endpoint until interrupted; an empty store is filled first."""
    from sira_kg.core.store import StoreError
    from sira_kg.endpoint.server import serve

    settings = _settings(args)
    if args.host:
        settings = settings.with_(host=args.host)
    if args.port is not None:
        if not 0 <= args.port <= 65535:
            raise CliError(f"--port must be between 0 and 65535, not {args.port}")
        settings = settings.with_(port=args.port)
    try:
        serve(settings)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:  # the port is taken, the host does not exist
        raise CliError(
            f"cannot serve on {settings.host}:{settings.port}: {exc.strerror or exc}"
        ) from None
    return EXIT_OK


# -- store: load, export, import, stats (sira_kg.core.store / ingest / bootstrap) ------
def _open(args: argparse.Namespace, *, bootstrap: bool = True):
    """Open the store named by --store; an empty one is bootstrapped first."""
    from sira_kg.core.bootstrap import BootstrapError, ensure_bootstrapped
    from sira_kg.core.store import StoreError, open_store

    settings = _settings(args)
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


def _syntax_error(exc: SyntaxError, path: object) -> CliError:
    where = str(getattr(exc, "filename", None) or path)
    if exc.lineno:
        where += f":{exc.lineno}"
        if exc.offset:
            where += f":{exc.offset}"
    message = str(exc.msg or exc).split(": ", 1)[-1]
    return CliError(f"{where}: {message}", EXIT_INPUT)


def _read_input(name: str, input_format: str | None, into: Any = None) -> tuple[Path, Any, str]:
    """One FILE of ``load`` or ``validate``: (path, its data, its media type).

    A ``.csv`` file (unless ``--input-format`` says otherwise) is a CSV template,
    converted to an rdflib Graph; anything else is RDF, parsed into an rdflib
    Dataset (``into`` when given). A missing or unreadable file exits 2.
    """
    from sira_kg.core.provenance import media_type_of
    from sira_kg.core.rdfio import ParseError, parse_file

    path = Path(name)
    if not path.is_file():
        raise CliError(f"{name}: no such file", EXIT_INPUT)
    if path.suffix.lower() == ".csv" and not input_format:
        from sira_kg.loaders.tabular import TabularError, convert_file

        try:
            return path, convert_file(path), "text/csv"
        except TabularError as exc:
            raise CliError(str(exc), EXIT_INPUT) from None
    try:
        return path, parse_file(path, input_format, into=into), media_type_of(path)
    except ParseError as exc:
        raise CliError(str(exc), EXIT_INPUT) from None


def _read_for_load(args: argparse.Namespace):
    """Parse every FILE (RDF or CSV) into one rdflib Dataset; errors exit 2 before any write."""
    from rdflib import Dataset

    from sira_kg.core.provenance import file_source

    data, sources, media_types = Dataset(default_union=True), [], []
    for name in args.files:
        path, part, media_type = _read_input(name, args.input_format, into=data)
        if media_type == "text/csv":  # a Graph of its own: RDF was parsed into data
            default = data.default_graph
            default.addN((s, p, o, default) for s, p, o in part)
        media_types.append(media_type)
        sources.append(file_source(path))
    return data, sources, media_types


def cmd_validate(args: argparse.Namespace) -> int:
    """SHACL report for FILEs, validated together as ONE graph (their merge).

    The shapes see the files plus the ontology, the schemes and the shipped
    Saône-et-Loire data (so a file may point to FRC13 or a known organisation);
    no store is opened. Exit 0 conforms (warnings are printed), 1 violations,
    2 unreadable input (file, line and column).
    """
    from rdflib import Graph

    from sira_kg.core.rdfio import as_graph, parse_file
    from sira_kg.core.validation import validate

    settings = Settings()
    graph = Graph()
    for name in args.files:
        _path, part, _media_type = _read_input(name, args.input_format)
        part = as_graph(part)
        for prefix, ns in part.namespaces():
            graph.bind(prefix, ns, override=False)
        graph += part
    context = Graph()
    for path in sorted(Path(settings.data_dir).glob("*.ttl")):
        context += as_graph(parse_file(path))
    report = validate(graph, context=context, settings=settings)
    if args.output_format == "json":
        sys.stdout.write(report.to_json(args.lang) + "\n")
    elif args.output_format == "turtle":
        sys.stdout.write(report.to_graph().serialize(format="turtle"))
    else:
        sys.stdout.write(report.to_text(args.lang))
    return EXIT_OK if report.conforms else EXIT_VIOLATIONS


def cmd_load(args: argparse.Namespace) -> int:
    """Validate, then load FILEs as ONE new named graph with its provenance record.

    Exit 2 on unreadable input, 1 with the report on violations; nothing is
    written in either case. ``--no-validate`` with .nt/.nq files streams them
    through Oxigraph's bulk loader (trusted data only; see README, Store).
    """
    from sira_kg.core import ingest
    from sira_kg.core.provenance import user_agent
    from sira_kg.core.store import bulk_media_type, stderr_progress

    agent = user_agent()
    bulk = args.no_validate and all(
        bulk_media_type(args.input_format or Path(f).suffix) for f in args.files
    )
    if bulk:
        for name in args.files:
            if not Path(name).is_file():
                raise CliError(f"{name}: no such file", EXIT_INPUT)
        store, _ = _open(args)
        try:
            result = ingest.bulk_ingest(
                store,
                [Path(f) for f in args.files],
                fmt=args.input_format,
                graph_iri=args.graph,
                agent=agent,
                progress=lambda path: stderr_progress(f"loading {path.name}"),
            )
        except SyntaxError as exc:
            raise _syntax_error(exc, args.files[0]) from None
        except (ingest.IngestError, OSError, ValueError) as exc:
            raise CliError(str(exc), EXIT_INPUT) from None
    else:
        graph, sources, media_types = _read_for_load(args)
        store, settings = _open(args)
        try:
            result = ingest.ingest(
                store,
                graph,
                graph_iri=args.graph,
                source=sources,
                agent=agent,
                media_type=media_types,
                validate=not args.no_validate,
                replace=args.replace,
                settings=settings,
                title="Load of " + ", ".join(Path(f).name for f in args.files),
                notify=lambda line: print(f"sira-kg: {line}", file=sys.stderr, flush=True),
            )
        except ingest.ValidationFailed as exc:
            print(exc.report.to_text(args.lang), end="")
            raise CliError(str(exc), EXIT_VIOLATIONS) from None
        except ingest.IngestError as exc:
            raise CliError(str(exc), EXIT_INPUT) from None
        if result.warnings:
            print(result.report.to_text(args.lang), end="", file=sys.stderr)
    store.flush()
    what = "replaced" if result.replaced else "loaded"
    checked = "validated" if result.report is not None else "NOT validated"
    warn = f", {result.warnings} warning(s)" if result.warnings else ""
    print(f"{what} {result.triples} triples into <{result.graph_iri}> ({checked}{warn})")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """The whole dataset (every graph, the metadata too) as sorted N-Quads."""
    import os
    import tempfile

    store, _ = _open(args)
    if not args.output:
        try:
            store.export(sys.stdout.buffer)
            sys.stdout.flush()
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    target = Path(args.output)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "wb") as out:
            store.export(out)
        os.replace(tmp, target)  # a failed export never leaves half a file
    except OSError as exc:
        raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
    print(f"sira-kg: wrote {len(store)} quads to {target}", file=sys.stderr)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Restore an export into an empty store, in one transaction (nothing on error)."""
    from sira_kg.core.store import StoreError

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{path}: no such file", EXIT_INPUT)
    store, _ = _open(args, bootstrap=False)
    try:
        count = store.import_nquads(path)
    except SyntaxError as exc:
        raise _syntax_error(exc, path) from None
    except StoreError as exc:
        raise CliError(str(exc)) from None
    print(f"sira-kg: imported {count} quads into {store.path or 'the store'}", file=sys.stderr)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    """Triples per graph (with when and whether validated), instances per class."""
    import json

    from sira_kg.core.provenance import records_query

    store, _ = _open(args)
    records = {row["g"].value: row for row in store.query(records_query())}
    graphs = []
    for info in store.graphs():
        row = records.get(info.iri)
        graphs.append(
            {
                "graph": info.iri,
                "triples": info.triples,
                "loaded": row["generated"].value if row else None,
                "conforms_to_shapes": bool(row and row["conformsTo"] is not None),
            }
        )
    classes = [{"class": c, "instances": n} for c, n in store.class_counts()]
    if args.output_format == "json":
        print(json.dumps({"graphs": graphs, "classes": classes}, indent=2))
        return EXIT_OK
    print(
        _table(
            ["graph", "triples", "loaded", "validated"],
            [
                [
                    g["graph"],
                    g["triples"],
                    g["loaded"] or "",
                    "yes" if g["conforms_to_shapes"] else "",
                ]
                for g in graphs
            ],
        )
    )
    print(f"{sum(g['triples'] for g in graphs)} triples in {len(graphs)} graphs\n")
    print(_table(["class", "instances"], [[c["class"], c["instances"]] for c in classes]))
    return EXIT_OK


# -- query (sira_kg.endpoint.questions) -------------------------------------------------
def cmd_query(args: argparse.Namespace) -> int:
    """Run SPARQL (QUERY or --file) or a named question (--question NAME --param K=V ...)."""
    import json

    from sira_kg.endpoint.questions.answers import answer, format_result, store_labeller
    from sira_kg.endpoint.questions.catalogue import LANG_TAG, get_question, load_catalogue
    from sira_kg.endpoint.questions.errors import CatalogueError, QuestionError
    from sira_kg.endpoint.questions.paging import check_page
    from sira_kg.endpoint.questions.running import store_runner

    given = [x for x in (args.sparql, args.file, args.question) if x]
    if len(given) != 1:
        raise CliError("give exactly one of QUERY, --file FILE.rq or --question NAME", EXIT_INPUT)
    if args.param and not args.question:
        raise CliError("--param goes with --question NAME", EXIT_INPUT)
    if (args.limit is not None or args.offset is not None) and not args.question:
        raise CliError("--limit and --offset go with --question NAME", EXIT_INPUT)
    if not LANG_TAG.match(args.lang):
        raise CliError(f"--lang {args.lang!r} is not a language tag (en, fr, ...)", EXIT_INPUT)
    if args.question:
        params: dict[str, list[str]] = {}
        for item in args.param:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CliError(f"--param {item!r}: expected NAME=VALUE", EXIT_INPUT)
            params.setdefault(key.strip(), []).append(value)
        settings = _settings(args)
        try:
            question = get_question(load_catalogue(settings.queries_dir), args.question)
            store, _ = _open(args)
            limit, offset = check_page(args.limit, args.offset, settings.max_result_rows)
            table = answer(
                question,
                params,
                store_runner(store),
                args.lang.lower(),
                limit,
                offset,
                store_labeller(store),
            )
        except QuestionError as exc:
            valid = exc.details.get("valid_values")
            shown = f"; valid values: {', '.join(valid[:30])}" if valid else ""
            more = " ..." if valid and len(valid) > 30 else ""
            raise CliError(exc.message + shown + more, EXIT_INPUT) from None
        except CatalogueError as exc:
            raise CliError(f"a question file is malformed: {exc}", EXIT_INPUT) from None
        if args.output_format == "json":
            print(json.dumps(table.to_json(), ensure_ascii=False, indent=1))
        elif args.output_format == "csv":
            sys.stdout.write(table.to_csv())
        else:
            sys.stdout.write(table.to_table())
        return EXIT_OK
    if args.file:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"{args.file}: cannot read it: {exc}", EXIT_INPUT) from None
    else:
        text = args.sparql
    store, _ = _open(args)
    try:
        sys.stdout.write(format_result(store.query(text), args.output_format))
    except SyntaxError as exc:
        raise CliError(f"SPARQL syntax error (queries only, no updates): {exc}") from None
    return EXIT_OK


def _table(header: list[str], rows: list[list[object]]) -> str:
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

    p = sub.add_parser("synth", help="deterministic synthetic multi-region data (N-Quads)")
    p.add_argument("--regions", type=int, required=True)
    p.add_argument("--actions", type=int, required=True, help="actions per region")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", metavar="FILE", help="default: stdout")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("partner", help="manage contributor tokens")
    psub = p.add_subparsers(dest="partner_command", required=True, metavar="ACTION")
    pp = psub.add_parser("add", help="create a partner, print its token once")
    pp.add_argument("name", metavar="NAME", help="a slug: a-z, 0-9 and hyphens")
    pp.add_argument(
        "--base",
        metavar="IRI",
        help="IRI space it mints in (default https://w3id.org/sira/id/NAME/)",
    )
    store_arg(pp)
    pp.set_defaults(func=cmd_partner_add)
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
        # `sira-kg stats | head`: the reader left; stop quietly, as cat does
        # (stdout goes to /dev/null so that the flush at exit cannot fail again).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
