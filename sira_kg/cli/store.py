"""``sira-kg export|import|stats|report``: the store as a whole (sira_kg.core.store).

Why apart: the admin tasks of backing up, restoring and looking at what the
store holds, none of which changes any one graph.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sira_kg.cli.common import (
    EXIT_INPUT,
    EXIT_OK,
    CliError,
    open_store_of,
    silence_stdout,
    syntax_error,
    text_table,
)


def cmd_export(args: argparse.Namespace) -> int:
    """The whole dataset (every graph, the metadata too) as sorted N-Quads."""
    import os
    import tempfile

    store, _ = open_store_of(args)
    if not args.output:
        try:
            store.export(sys.stdout.buffer)
            sys.stdout.flush()
        except BrokenPipeError:
            silence_stdout()
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
    store, _ = open_store_of(args, bootstrap=False)
    try:
        count = store.import_nquads(path)
    except SyntaxError as exc:
        raise syntax_error(exc, path) from None
    except StoreError as exc:
        raise CliError(str(exc)) from None
    print(f"sira-kg: imported {count} quads into {store.path or 'the store'}", file=sys.stderr)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    """Triples per graph (with when and whether validated), instances per class."""
    import json

    from sira_kg.core.provenance import records_query

    store, _ = open_store_of(args)
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
        text_table(
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
    print(text_table(["class", "instances"], [[c["class"], c["instances"]] for c in classes]))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Per region, what the graph holds and what its sources leave open."""
    import json

    from sira_kg.core import knowledge

    store, _ = open_store_of(args)
    if args.output_format == "json":
        body = {
            "regions": [r.to_dict() for r in knowledge.regions(store)],
            "project": {"open": knowledge.project_open(store)},
        }
        print(json.dumps(body, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(knowledge.to_text(store))
    return EXIT_OK
