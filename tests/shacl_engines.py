"""Two independent SHACL engines on the same graphs: standard pySHACL and pyrudof.

A helper module of tests/test_shape_engines.py (not a test file itself).
"Standard" pySHACL is called with its default options (no inference, no
SHACL-AF, no sira-kg preprocessing): the data graph is the data plus the SKOS
concept schemes, the ontology is the ``ont_graph``. The schemes must be in the
data graph: pySHACL mixes only the RDFS/OWL axioms of an ``ont_graph`` into
the data graph (classes, properties, rdfs:subClassOf; see
pyshacl.rdfutil.inoculate), not the skos:inScheme of a skos:Concept, unless
the concept is an owl:NamedIndividual or PYSHACL_USE_FULL_MIXIN is set.
pyrudof gets the data, the ontology and the schemes read into one data graph,
and the SHACL Core shapes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyshacl
import rdflib
from rdflib.namespace import SH

REPO = Path(__file__).resolve().parent.parent
SHAPES_DIR = REPO / "shapes"
SPARQL_SHAPES = SHAPES_DIR / "sparql.ttl"  # the SHACL-SPARQL part; everything else is Core


def core_shape_files() -> list[Path]:
    return sorted(p for p in SHAPES_DIR.glob("*.ttl") if p != SPARQL_SHAPES)


def ontology_files() -> list[Path]:
    return sorted((REPO / "ontology").glob("*.ttl"))


def scheme_files() -> list[Path]:
    return sorted((REPO / "ontology" / "schemes").glob("*.ttl"))


def background_files() -> list[Path]:
    return ontology_files() + scheme_files()


def read_turtle(files: list[Path]) -> rdflib.Graph:
    g = rdflib.Graph()
    for f in files:
        g.parse(f, format="turtle")
    return g


_SCHEMES: list[rdflib.Graph] = []


def with_schemes(files: list[Path]) -> rdflib.Graph:
    """The files and the SKOS schemes in one graph (the schemes parsed once)."""
    if not _SCHEMES:
        _SCHEMES.append(read_turtle(scheme_files()))
    g = rdflib.Graph()
    g += _SCHEMES[0]
    for f in files:
        g.parse(f, format="turtle")
    return g


@dataclass(frozen=True)
class Result:
    focus: str  # an IRI, or "_:" for any blank node (engines name blank nodes differently)
    path: str | None
    severity: str  # "Violation" or "Warning"
    shape: str
    component: str  # local name, e.g. "MinCountConstraintComponent"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.focus, self.shape, self.component)


def _focus(term: object) -> str:
    text = str(term)
    if isinstance(term, rdflib.BNode) or text.startswith("_:"):
        return "_:"
    return text


def _local(iri: object) -> str:
    return str(iri).rsplit("#", 1)[-1]


def pyshacl_results(
    data: rdflib.Graph, shapes: rdflib.Graph, ontology: rdflib.Graph, *, advanced: bool = False
) -> tuple[bool, list[Result]]:
    """pySHACL with its default options (``advanced`` only to run SPARQL targets)."""
    conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, advanced=advanced
    )
    out = []
    for r in report.objects(None, SH.result):
        out.append(
            Result(
                _focus(report.value(r, SH.focusNode)),
                str(report.value(r, SH.resultPath)) if report.value(r, SH.resultPath) else None,
                _local(report.value(r, SH.resultSeverity)),
                str(report.value(r, SH.sourceShape)),
                _local(report.value(r, SH.sourceConstraintComponent)),
            )
        )
    return bool(conforms), out


def pyrudof_results(data_turtle: list[str], shapes_turtle: list[str]) -> tuple[bool, list[Result]]:
    """pyrudof: every Turtle text read into one data graph, the shapes into one shapes graph."""
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    for text in data_turtle:
        rudof.read_data(text, merge=True)
    rudof.read_shacl("\n".join(_strip_prefix_clash(shapes_turtle)))
    report = rudof.validate_shacl()
    out = []
    for e in _entries(report):
        path = e.path
        out.append(
            Result(
                _focus(e.focus_node),
                str(path).strip("<>") if path is not None else None,
                _local(str(e.severity)),
                str(e.source_shape).strip("<>"),
                _local(str(e.constraint_component).strip("<>")),
            )
        )
    conforms = report.conforms() if callable(report.conforms) else report.conforms
    return bool(conforms), out


def _entries(report: object) -> list:
    found = report.violations  # type: ignore[attr-defined]
    return list(found() if callable(found) else found)


def _strip_prefix_clash(texts: list[str]) -> list[str]:
    """Turtle files joined into one document (re-declaring a prefix is allowed in Turtle)."""
    return texts
