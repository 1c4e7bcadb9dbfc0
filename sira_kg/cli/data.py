"""``sira-kg validate|load|convert|synth``: data in (sira_kg.core.ingest, validation, loaders).

Why apart: the tasks of bringing data into the graph: checking files against
the shapes, loading them (validated, as one named graph with its provenance),
turning CSV templates into RDF, making synthetic data for benchmarks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sira_kg.cli.common import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_VIOLATIONS,
    CliError,
    open_store_of,
    silence_stdout,
    syntax_error,
)
from sira_kg.core.settings import Settings


def _read_input(
    name: str, input_format: str | None, into: Any = None, base: str | None = None
) -> tuple[Path, Any, str]:
    """One FILE of ``load`` or ``validate``: (path, its data, its media type).

    A ``.csv`` file (unless ``--input-format`` says otherwise) is a CSV template,
    converted to an rdflib Graph; anything else is RDF, parsed into an rdflib
    Dataset (``into`` when given), relative IRIs resolved against ``base``
    (without one, a JSON-LD relative IRI is an error, not a dropped triple).
    A missing or unreadable file exits 2.
    """
    from sira_kg.core.provenance import media_type_of
    from sira_kg.core.rdfio import ParseError, parse_file

    path = Path(name)
    if not path.is_file():
        raise CliError(f"{name}: no such file", EXIT_INPUT)
    if path.suffix.lower() in (".csv", ".xlsx") and not input_format:
        from sira_kg.loaders.tabular import TabularError, convert_file

        try:
            return path, convert_file(path), "text/csv"
        except TabularError as exc:
            raise CliError(str(exc), EXIT_INPUT) from None
    try:
        data = parse_file(path, input_format, into=into, base_iri=base)
        return path, data, media_type_of(path)
    except ParseError as exc:
        raise CliError(str(exc), EXIT_INPUT) from None


def _read_for_load(args: argparse.Namespace):
    """Parse every FILE (RDF or CSV) into one rdflib Dataset; errors exit 2 before any write."""
    from rdflib import Dataset

    from sira_kg.core.provenance import file_source

    data, sources, media_types = Dataset(default_union=True), [], []
    for name in args.files:
        path, part, media_type = _read_input(name, args.input_format, into=data, base=args.base)
        if media_type == "text/csv":  # a Graph of its own: RDF was parsed into data
            default = data.default_graph
            default.addN((s, p, o, default) for s, p, o in part)
        media_types.append(media_type)
        sources.append(file_source(path))
    return data, sources, media_types


def cmd_validate(args: argparse.Namespace) -> int:
    """SHACL report for FILEs, validated together as ONE graph (their merge).

    Without ``--store`` the shapes see the files plus the ontology, the schemes
    and the shipped curated data (so a file may point to FRC13 or a known
    organisation), and stderr says that references to a store were not checked.
    With ``--store DIR`` they see what that store says about the IRIs the files
    reference, exactly as ``POST /api/validate`` of a server on that store does.
    Exit 0 conforms (warnings are printed), 1 violations, 2 unreadable input
    (file, line and column).
    """
    from rdflib import Graph

    from sira_kg.core.rdfio import as_graph, parse_file
    from sira_kg.core.validation import validate

    settings = Settings()
    graph = Graph()
    given = set()
    for name in args.files:
        path, part, _media_type = _read_input(name, args.input_format, base=args.base)
        given.add(Path(path).resolve())
        part = as_graph(part)
        for prefix, ns in part.namespaces():
            graph.bind(prefix, ns, override=False)
        graph += part
    if args.store:
        from sira_kg.core.ingest import check

        store, settings = open_store_of(args)
        report, _summary = check(store, graph, settings=settings)  # the server's gate
    else:
        context = Graph()
        for path in sorted(Path(settings.data_dir).glob("*.ttl")):
            if path.resolve() not in given:  # a shipped file being validated is data
                context += as_graph(parse_file(path))
        report = validate(graph, context=context, settings=settings)
        print(
            "sira-kg: references were checked against the shipped data only, not a store; "
            "give --store DIR to judge the files as a server on that store would",
            file=sys.stderr,
        )
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
        store, _ = open_store_of(args)
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
            raise syntax_error(exc, args.files[0]) from None
        except (ingest.IngestError, OSError, ValueError) as exc:
            raise CliError(str(exc), EXIT_INPUT) from None
    else:
        graph, sources, media_types = _read_for_load(args)
        store, settings = open_store_of(args)
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


def cmd_convert(args: argparse.Namespace) -> int:
    """Print the RDF of partner CSV template files (all files in one graph)."""
    import re

    from rdflib import Graph

    from sira_kg.core.namespaces import bind_prefixes
    from sira_kg.loaders.tabular import TabularError, convert_file

    formats = {"turtle": "turtle", "ttl": "turtle", "nt": "nt", "json-ld": "json-ld"}
    fmt = formats.get(args.output_format)
    if fmt is None:
        raise CliError(f"unknown --format {args.output_format!r}; use turtle, nt or json-ld")
    graph = Graph()
    bind_prefixes(graph)
    for name in args.files:
        try:
            part = convert_file(name)
        except TabularError as exc:
            raise CliError(str(exc), EXIT_INPUT) from None
        for prefix, ns in part.namespaces():
            if not re.fullmatch(r"ns\d+", prefix):  # rdflib's invented ns1:, ns2:…
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
        silence_stdout()
    return EXIT_OK
