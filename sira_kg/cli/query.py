"""``sira-kg query``: SPARQL or a named question, answered from the store.

Why apart: the researcher's task; the named questions are those of the HTTP
API (sira_kg.endpoint.questions), answered the same way, printed as a table,
CSV or JSON.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sira_kg.cli.common import EXIT_INPUT, EXIT_OK, CliError, open_store_of, settings_from


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
        settings = settings_from(args)
        try:
            question = get_question(load_catalogue(settings.queries_dir), args.question)
            store, _ = open_store_of(args)
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
    store, _ = open_store_of(args)
    try:
        sys.stdout.write(format_result(store.query(text), args.output_format))
    except SyntaxError as exc:
        raise CliError(f"SPARQL syntax error (queries only, no updates): {exc}") from None
    return EXIT_OK
