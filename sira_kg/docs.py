"""Render the ontology's HTML documentation with pyLODE: ``python -m sira_kg.docs OUTDIR``.

Writes ``OUTDIR/index.html`` (English) and ``OUTDIR/fr/index.html`` (French). The
vocabulary carries every label and definition in both languages; pyLODE would print
them side by side, so each page is rendered from a copy of the ontology that keeps one
language (and untagged literals). Everything happens offline: pyLODE reads its
background ontologies from its own package folder and inlines its stylesheet.

pyLODE 3.4.1 as published on PyPI cannot be imported: ``pylode/version.py`` reads a
``pyproject.toml`` that the wheel does not ship. We give it the version module it
wants before importing it, rather than patching the installed package.
"""

from __future__ import annotations

import logging
import sys
import types
from importlib import metadata
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import SDO

from sira_kg.core.namespaces import SCHEMA
from sira_kg.core.settings import resource_dir

LANGUAGES = ("en", "fr")
_SWITCH = {
    "en": '<p class="sira-lang"><a href="fr/index.html" hreflang="fr">Version française</a></p>',
    "fr": '<p class="sira-lang"><a href="../index.html" hreflang="en">English version</a></p>',
}


class DocsError(Exception):
    """The documentation could not be built; the message says why."""


def ontology_path() -> Path:
    """The shipped ontology file (ontology/sira.ttl)."""
    return resource_dir("ontology") / "sira.ttl"


def _import_ontpub():
    """Import pyLODE's OntPub, working around its missing-pyproject version module."""
    if "pylode.version" not in sys.modules:
        try:
            version = metadata.version("pylode")
        except metadata.PackageNotFoundError as exc:
            raise DocsError(
                "pyLODE is not installed; install the docs extra: pip install 'sira-kg[docs]'"
            ) from exc
        shim = types.ModuleType("pylode.version")
        shim.__version__ = version
        sys.modules["pylode.version"] = shim
    # Importing pyLODE calls logging.basicConfig(level=DEBUG) (in its supermodel
    # profile), which would make every later log line of the process noisy: undo it.
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        from pylode import OntPub
    except ImportError as exc:  # pragma: no cover - depends on the installed pyLODE
        raise DocsError(f"pyLODE could not be imported: {exc}") from exc
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
    return OntPub


def load_ontology(path: Path) -> Graph:
    """Parse the ontology, keeping its own prefixes (schema: is http://schema.org/)."""
    graph = Graph(bind_namespaces="none")
    try:
        graph.parse(path, format="turtle")
    except FileNotFoundError as exc:
        raise DocsError(f"{path}: no such file") from exc
    except Exception as exc:  # rdflib raises several parser exception types
        raise DocsError(f"{path}: not valid Turtle: {exc}") from exc
    return graph


def in_language(graph: Graph, lang: str) -> Graph:
    """A copy of the graph for one page: literals tagged with another language dropped.

    pyLODE knows schema.org only under https://; our ``http://schema.org/domainIncludes``
    hints are renamed in the copy so that the page shows them.
    """
    out = Graph(bind_namespaces="none")
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace, override=True)
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language and o.language.lower() != lang:
            continue
        if p == SCHEMA.domainIncludes:
            p = SDO.domainIncludes
        out.add((s, p, o))
    return out


def render_html(graph: Graph, lang: str = "en") -> str:
    """The pyLODE HTML page of the ontology in one language."""
    ontpub = _import_ontpub()
    html = ontpub(in_language(graph, lang), sort_subjects=True).make_html()
    html = html.replace("<html>", f'<html lang="{lang}">', 1)
    return html.replace("<body>", "<body>\n" + _SWITCH[lang], 1)


def build(outdir: Path, source: Path | None = None) -> list[Path]:
    """Write the documentation pages under ``outdir``; return the files written."""
    graph = load_ontology(source or ontology_path())
    pages = {"en": outdir / "index.html", "fr": outdir / "fr" / "index.html"}
    written = []
    for lang in LANGUAGES:
        html = render_html(graph, lang)
        pages[lang].parent.mkdir(parents=True, exist_ok=True)
        pages[lang].write_text(html, encoding="utf-8")
        written.append(pages[lang])
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m sira_kg.docs OUTDIR [ONTOLOGY.ttl]``."""
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2 or args[0] in ("-h", "--help"):
        print("usage: python -m sira_kg.docs OUTDIR [ONTOLOGY.ttl]", file=sys.stderr)
        return 2
    source = Path(args[1]) if len(args) == 2 else None
    try:
        written = build(Path(args[0]), source)
    except DocsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
