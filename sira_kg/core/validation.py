"""The SHACL gate: shapes + ontology + what the store knows about referenced IRIs → a report.

Why it is built this way (the load targets are 10k triples in under 1 s and
100k in under 10 s, pySHACL included):

* No RDFS inference on the data. The ontology and the SKOS schemes are mixed
  into the graph that is validated, so ``rdfs:subClassOf`` chains are there
  for ``sh:class`` and ``sh:targetClass`` (a ``sira:PilotAction`` is a
  ``sira:Action``) and ``skos:inScheme`` is there for the concept checks. That
  is all the shapes need; domain and range inference would only add noise.
* The shapes are SHACL Core, except shapes/sparql.ttl (the check that every
  ``sira:`` term is defined, start-before-end, the NUTS IRI of the code): its
  SPARQL targets need ``advanced=True``, and its queries are evaluated by
  Oxigraph, like every other query in sira-kg, not by rdflib's evaluator,
  which costs seconds on 10k triples.
* Value shapes that only check literals through a helper (sirash:Date…) run
  on the focus nodes whose values do not plainly pass (see ``_narrowed``):
  the same results, without pySHACL's cost of an sh:or per date.
* A blank focus node is named in reports by what it hangs from ("the
  dct:temporal period of project:share-sira"), never by its id alone.
* The parsed shapes, ontology and schemes are cached per process (refreshed
  when a file changes).

``context`` carries facts about IRIs the data points to but does not describe
(their ``rdf:type`` and ``skos:inScheme``, see :func:`store_context`), so a new
action may name an organisation that is already in the store. Results about
nodes that only the ontology, the schemes or the context describe are not
reported: they are not the data's to fix.

Everything here is read-only; validation never writes to the store.

Size (about 860 lines, over the house's ~500 on purpose): the report types,
the cached shapes and background, the pre-filter of the value shapes, the
graph whose SPARQL Oxigraph evaluates and the store context are the parts of
one gate and share its private helpers and caches; each is a section below,
and nothing outside uses the parts apart.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS, XSD
from rdflib.query import Result as RdflibResult

from sira_kg.core import provenance
from sira_kg.core.namespaces import PREFIXES
from sira_kg.core.settings import Settings

__all__ = [
    "SHAPES_IRI",
    "Report",
    "ValidationResult",
    "load_shapes",
    "shapes_version",
    "store_context",
    "validate",
]

#: The shapes graph's owl:Ontology IRI; its owl:versionInfo is the shapes version.
SHAPES_IRI = URIRef("https://w3id.org/sira/shapes")

_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


# -- results ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with its messages by language (``""`` for an untagged one)."""

    focus: rdflib.term.Node
    path: rdflib.term.Node | None
    path_text: str | None
    value: rdflib.term.Node | None
    severity: str  # "Violation", "Warning" or "Info"
    messages: dict[str, str]
    source_shape: rdflib.term.Node
    constraint: URIRef  # the constraint component, e.g. sh:MinCountConstraintComponent
    node: rdflib.term.Node = field(repr=False, compare=False)  # in the report graph

    def message(self, lang: str = "en") -> str:
        """The message in ``lang``, else English, else any."""
        for key in (lang, "en", ""):
            if key in self.messages:
                return self.messages[key]
        return next(iter(self.messages.values()), "")

    @property
    def constraint_name(self) -> str:
        """The component's local name without ``ConstraintComponent`` (``minCount``, ``class``…)."""
        name = str(self.constraint).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
        return name[:1].lower() + name[1:]


_TEXT = {
    "en": {
        "conforms": "conforms",
        "not": "does not conform",
        "title": "Validation report",
        "colon": ":",
        "Violation": ("violation", "violations"),
        "Warning": ("warning", "warnings"),
        "Info": ("note", "notes"),
        "shapes": "shapes",
        "path": "property",
        "value": "value",
        "none": "No problem found.",
        "labels": {"Violation": "Violation", "Warning": "Warning", "Info": "Info"},
    },
    "fr": {
        "conforms": "conforme",
        "not": "non conforme",
        "title": "Rapport de validation",
        "colon": " :",
        "Violation": ("violation", "violations"),
        "Warning": ("avertissement", "avertissements"),
        "Info": ("remarque", "remarques"),
        "shapes": "formes",
        "path": "propriété",
        "value": "valeur",
        "none": "Aucun problème trouvé.",
        "labels": {"Violation": "Violation", "Warning": "Avertissement", "Info": "Remarque"},
    },
}


@dataclass
class Report:
    """The outcome of :func:`validate`.

    ``conforms`` is True when no result is a violation (warnings do not count).
    """

    conforms: bool
    results: list[ValidationResult]
    shapes_version: str
    _graph: rdflib.Graph = field(repr=False)
    _prefixes: dict[str, str] = field(default_factory=dict, repr=False)
    # How to name a blank node in a report: {node: {lang: text}} (see _describe_blank_nodes).
    _blank_names: dict[rdflib.term.Node, dict[str, str]] = field(default_factory=dict, repr=False)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity != "Violation"]

    # -- outputs ---------------------------------------------------------------
    def short(self, term: rdflib.term.Node | None) -> str:
        """A term as a reader wants it: ``sira:theme``, ``<iri>``, ``"text"@en``, ``_:b1``."""
        if term is None:
            return ""
        if isinstance(term, URIRef):
            iri = str(term)
            best = ""
            for prefix, ns in self._prefixes.items():
                if iri.startswith(ns) and len(ns) > len(best):
                    local = iri[len(ns) :]
                    if local and all(c.isalnum() or c in "-_." for c in local):
                        best, chosen = ns, f"{prefix}:{local}"
            return chosen if best else f"<{iri}>"
        return term.n3()

    def describe(self, term: rdflib.term.Node | None, lang: str = "en") -> str:
        """Like :meth:`short`, but a blank node is named by what it is and what it hangs from
        ("the dct:temporal period of project:share-sira"), never by its id alone."""
        if isinstance(term, BNode):
            names = self._blank_names.get(term)
            if names:
                return names.get(lang, names["en"])
        return self.short(term)

    def summary(self, lang: str = "en") -> str:
        t = _TEXT.get(lang, _TEXT["en"])
        counts = defaultdict(int)
        for r in self.results:
            counts[r.severity] += 1
        parts = [
            f"{counts[s]} {t[s][0] if counts[s] == 1 else t[s][1]}"
            for s in ("Violation", "Warning", "Info")
            if counts[s]
        ]
        state = t["conforms"] if self.conforms else t["not"]
        tail = f" — {', '.join(parts)}" if parts else ""
        return f"{t['title']}{t['colon']} {state}{tail} ({t['shapes']} {self.shapes_version})"

    def to_text(self, lang: str = "en") -> str:
        """A readable report, results grouped by focus node, violations first."""
        t = _TEXT.get(lang, _TEXT["en"])
        lines = [self.summary(lang)]
        if not self.results:
            lines.append(t["none"])
            return "\n".join(lines) + "\n"
        groups: dict[rdflib.term.Node, list[ValidationResult]] = defaultdict(list)
        for r in self._sorted():
            groups[r.focus].append(r)
        for focus, results in groups.items():
            lines.append("")
            lines.append(self.describe(focus, lang))
            for r in results:
                head = f"  [{t['labels'].get(r.severity, r.severity)}]"
                if r.path_text:
                    head += f" {t['path']} {r.path_text}"
                if r.value is not None and r.value != r.focus:
                    head += f" — {t['value']} {self.describe(r.value, lang)}"
                lines.append(head)
                lines.append(f"      {r.message(lang)}")
        return "\n".join(lines) + "\n"

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        def plain(term: rdflib.term.Node | None) -> str | None:
            if term is None:
                return None
            if isinstance(term, URIRef):
                return str(term)
            return term.n3()

        return {
            "conforms": self.conforms,
            "shapes_version": self.shapes_version,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "results": [
                {
                    "focus": plain(r.focus),
                    # the focus node as a reader knows it (a blank node by what it hangs from)
                    "focus_text": self.describe(r.focus, lang),
                    "path": r.path_text,
                    "value": plain(r.value),
                    "severity": r.severity,
                    "message": r.message(lang),
                    "messages": dict(r.messages),
                    "source_shape": plain(r.source_shape),
                    "constraint": str(r.constraint),
                }
                for r in self._sorted()
            ],
        }

    def to_json(self, lang: str = "en") -> str:
        return json.dumps(self.to_dict(lang), ensure_ascii=False, indent=2)

    def to_graph(self) -> rdflib.Graph:
        """The report as an ``sh:ValidationReport`` graph (only the results reported here)."""
        out = rdflib.Graph()
        for prefix, ns in self._prefixes.items():
            out.bind(prefix, ns, override=False)
        report = BNode()
        out.add((report, RDF.type, SH.ValidationReport))
        out.add((report, SH.conforms, Literal(self.conforms)))
        for r in self.results:
            out.add((report, SH.result, r.node))
            _copy_description(self._graph, r.node, out)
        return out

    def _sorted(self) -> list[ValidationResult]:
        order = {"Violation": 0, "Warning": 1, "Info": 2}
        return sorted(
            self.results,
            key=lambda r: (order.get(r.severity, 3), str(r.focus), r.path_text or "", str(r.value)),
        )


def _copy_description(source: rdflib.Graph, node: rdflib.term.Node, out: rdflib.Graph) -> None:
    """Copy the triples about ``node`` and, recursively, about its blank-node objects."""
    todo, seen = [node], set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for p, o in source.predicate_objects(n):
            out.add((n, p, o))
            if isinstance(o, BNode):
                todo.append(o)


# -- cached shapes and background ---------------------------------------------------------
@dataclass(frozen=True)
class _Background:
    graph: rdflib.Graph  # ontology + schemes
    subjects: frozenset


_cache: dict[tuple, Any] = {}
_cache_lock = threading.Lock()


def _stamp(files: Iterable[Path]) -> tuple:
    out = []
    for f in files:
        st = f.stat()
        out.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(out)


def _cached(kind: str, files: list[Path], build):
    key = (kind, _stamp(files))
    with _cache_lock:
        found = _cache.get(key)
        if found is None:
            for old in [k for k in _cache if k[0] == kind]:
                del _cache[old]
            found = _cache[key] = build(files)
        return found


def _parse_turtle(files: list[Path]) -> rdflib.Graph:
    from sira_kg.core.rdfio import as_graph, parse_file

    out = rdflib.Graph()
    for f in files:
        out += as_graph(parse_file(f))
    return out


def _shape_files(settings: Settings) -> list[Path]:
    files = sorted(Path(settings.shapes_dir).glob("*.ttl"))
    if not files:
        raise FileNotFoundError(f"no shapes (*.ttl) in {settings.shapes_dir}")
    return files


def _background_files(settings: Settings) -> list[Path]:
    base = Path(settings.ontology_dir)
    return sorted(base.glob("*.ttl")) + sorted((base / "schemes").glob("*.ttl"))


def load_shapes(settings: Settings | None = None) -> rdflib.Graph:
    """The shapes graph (every shapes/*.ttl), parsed once per process."""
    settings = settings or Settings()
    return _cached("shapes", _shape_files(settings), _parse_turtle)


def shapes_version(settings: Settings | None = None) -> str:
    """The exact shapes version, as the provenance records of loads cite it.

    One definition (``provenance.shapes_version``: declared version plus a
    content hash), so a report and the record of the load it gated agree.
    """
    return provenance.shapes_version((settings or Settings()).shapes_dir)


def _background(settings: Settings) -> _Background:
    def build(files: list[Path]) -> _Background:
        g = _parse_turtle(files)
        return _Background(g, frozenset(g.subjects(unique=True)))

    return _cached("background", _background_files(settings), build)


# -- a graph whose SPARQL Oxigraph evaluates ----------------------------------------------
def _to_ox(term: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def _to_rdflib(term: Any) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    dt = term.datatype.value
    return Literal(term.value) if dt == _XSD_STRING else Literal(term.value, datatype=URIRef(dt))


class _OxigraphSparqlGraph(rdflib.Graph):
    """An rdflib Graph (for pySHACL's triple patterns) whose SELECT queries run in Oxigraph.

    The Oxigraph copy is built on the first query, after the graph is complete;
    the graph must not change afterwards.
    """

    def __init__(self) -> None:
        super().__init__()
        self._ox: ox.Store | None = None

    def _store(self) -> ox.Store:
        if self._ox is None:
            store = ox.Store()
            cache: dict[rdflib.term.Node, Any] = {}

            def conv(t: rdflib.term.Node) -> Any:
                found = cache.get(t)
                if found is None:
                    found = cache[t] = _to_ox(t)
                return found

            dg = ox.DefaultGraph()
            store.bulk_extend(ox.Quad(conv(s), conv(p), conv(o), dg) for s, p, o in self)
            self._ox = store
        return self._ox

    def query(  # type: ignore[override]
        self,
        query_object: Any,
        processor: Any = "sparql",
        result: Any = "sparql",
        initNs: Any = None,  # noqa: N803
        initBindings: Any = None,  # noqa: N803
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> RdflibResult:
        if not isinstance(query_object, str) or initNs:
            return super().query(
                query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
            )
        subs = {ox.Variable(str(k)): _to_ox(v) for k, v in (initBindings or {}).items()}
        solutions = self._store().query(query_object, substitutions=subs or None)
        if not isinstance(solutions, ox.QuerySolutions):
            return super().query(
                query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
            )
        names = [v.value for v in solutions.variables]
        variables = [rdflib.Variable(n) for n in names]
        bindings = []
        for sol in solutions:
            row = {}
            for name, var in zip(names, variables, strict=True):
                value = sol[name]
                if value is not None:
                    row[var] = _to_rdflib(value)
            bindings.append(row)
        out = RdflibResult("SELECT")
        out.vars = variables
        out.bindings = bindings
        return out


# -- validate -----------------------------------------------------------------------------
def _triples(data: rdflib.Graph) -> Iterable[tuple]:
    """The triples of a Graph, or of all graphs of a Dataset (its default graph alone
    is read directly: the common case of a triple syntax)."""
    if isinstance(data, rdflib.ConjunctiveGraph):
        from sira_kg.core.rdfio import as_graph

        data = as_graph(data)
    return iter(data)


def validate(
    data: rdflib.Graph,
    *,
    context: rdflib.Graph | None = None,
    settings: Settings | None = None,
) -> Report:
    """Validate ``data`` (a Graph, or a Dataset whose graphs are merged) against shapes/.

    ``context``: extra facts about IRIs the data references (see
    :func:`store_context`); they help the data conform but are not themselves
    reported on. The caller's graphs are not modified.
    """
    from sira_kg.core.rdfio import paused_gc

    with paused_gc():
        return _validate(data, context, settings or Settings())


def _validate(data: rdflib.Graph, context: rdflib.Graph | None, settings: Settings) -> Report:
    shapes = load_shapes(settings)
    background = _background(settings)

    mixed = _OxigraphSparqlGraph()
    mixed.addN((s, p, o, mixed) for s, p, o in _triples(data))
    data_subjects = set(mixed.subjects(unique=True))
    mixed += background.graph
    extra_subjects: set | frozenset = background.subjects
    if context is not None:
        mixed += context
        extra_subjects = extra_subjects | set(context.subjects(unique=True))

    _conforms, report_graph, _text = pyshacl.validate(
        mixed,
        shacl_graph=_narrowed(shapes, mixed),
        inference="none",
        advanced=True,  # SPARQL-based targets (SHACL-AF)
        inplace=True,  # `mixed` is ours: no copy
        allow_warnings=True,
        do_owl_imports=False,  # never follow owl:imports (no network)
    )
    _tag_messages(report_graph, shapes)
    results = []
    for node in report_graph.objects(None, SH.result):
        r = _result(report_graph, node)
        if r.focus in data_subjects or r.focus not in extra_subjects:
            results.append(r)
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    for p, ns in data.namespaces():
        if p and p not in prefixes:
            prefixes[p] = str(ns)
    blanks = {n for r in results for n in (r.focus, r.value) if isinstance(n, BNode)}
    return Report(
        conforms=not any(r.severity == "Violation" for r in results),
        results=results,
        shapes_version=shapes_version(settings),
        _graph=report_graph,
        _prefixes=prefixes,
        _blank_names=_describe_blank_nodes(mixed, blanks, prefixes),
    )


# What a blank node is, when its type says nothing a reader knows.
_BLANK_KINDS = {
    "http://purl.org/dc/terms/PeriodOfTime": {"en": "period", "fr": "période"},
    "http://schema.org/MonetaryAmount": {"en": "amount", "fr": "montant"},
    str(RDF.Statement): {"en": "claim", "fr": "affirmation"},
    "http://www.w3.org/ns/adms#Identifier": {"en": "identifier", "fr": "identifiant"},
}


def _describe_blank_nodes(
    graph: rdflib.Graph, nodes: Iterable[rdflib.term.Node], prefixes: dict[str, str]
) -> dict[rdflib.term.Node, dict[str, str]]:
    """Name each blank node of a report in English and French, so a reader can find it:
    by its label if it has one, else by the property and the subject it hangs from
    (followed up to an IRI: "the dct:temporal period of project:share-sira"), else by its
    type ("a blank dct:PeriodOfTime")."""
    short = Report(True, [], "", rdflib.Graph(), prefixes).short

    def kind(node: rdflib.term.Node, lang: str) -> str | None:
        for cls in graph.objects(node, RDF.type):
            if str(cls) in _BLANK_KINDS:
                return _BLANK_KINDS[str(cls)][lang]
            for label in graph.objects(cls, RDFS.label):
                if isinstance(label, Literal) and label.language == lang:
                    return str(label)[:1].lower() + str(label)[1:]
        return None

    def name(node: rdflib.term.Node, lang: str, depth: int) -> str:
        labels = sorted(lb for lb in graph.objects(node, RDFS.label) if isinstance(lb, Literal))
        label = next((lb for lb in labels if lb.language == lang), labels[0] if labels else None)
        quoted = None if label is None else (f"“{label}”" if lang == "en" else f"« {label} »")
        if not isinstance(node, BNode):
            return f"{short(node)} ({quoted})" if quoted else short(node)
        if quoted:
            return quoted
        what = kind(node, lang) or ("value" if lang == "en" else "valeur")
        parent = next(iter(graph.subject_predicates(node)), None) if depth < 4 else None
        if parent is None:
            types = [short(c) for c in graph.objects(node, RDF.type)]
            if types:
                return (
                    f"a blank {types[0]} ({what})"
                    if lang == "en"
                    else f"un nœud anonyme {types[0]} ({what})"
                )
            return "a blank node" if lang == "en" else "un nœud anonyme"
        subject, prop = parent
        of = name(subject, lang, depth + 1)
        if lang == "en":
            return f"the {short(prop)} {what} of {of}"
        return f"{what} ({short(prop)}) de {of}"

    return {n: {lang: name(n, lang, 0) for lang in ("en", "fr")} for n in nodes}


# -- pre-filtered value shapes -----------------------------------------------------------
# pySHACL evaluates every member of an sh:or and builds a result for each member a
# value fails, which makes the date checks (sh:node sirash:Date: an sh:or of three
# sh:datatype) cost about 0.4 ms a value. For a property shape whose only
# constraints are sh:minCount, sh:maxCount and sh:node of a "literal helper" (a node
# shape made of sh:datatype, sh:pattern and an sh:or of sh:datatype, like
# sirash:Date), the focus nodes whose values all plainly pass are found here first,
# in Python, with the same test pySHACL applies (datatype, not ill-typed, the
# Python value's type, the pattern); pySHACL then validates that shape only on the
# other focus nodes (sh:targetNode), with its own constraints, so results are the
# same as without the filter. The shapes files are not changed: any other engine
# runs them as they are.
_PASSING_TYPES = {XSD.date: _dt.date, XSD.dateTime: _dt.datetime, XSD.time: _dt.time}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_NOT_CONSTRAINTS = {
    RDF.type, SH.path, SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group,
    *_TARGETS,
}  # fmt: skip


@dataclass(frozen=True)
class _LiteralTest:
    datatypes: frozenset
    patterns: tuple

    def passes(self, value: rdflib.term.Node) -> bool:
        if not isinstance(value, Literal) or value.datatype not in self.datatypes:
            return False
        if getattr(value, "ill_typed", None) is True:
            return False
        kind = _PASSING_TYPES.get(value.datatype)
        if kind is not None and not isinstance(value.value, kind):
            return False
        return all(p.search(str(value)) for p in self.patterns)


@dataclass(frozen=True)
class _ValueShape:
    shape: URIRef
    path: URIRef
    test: _LiteralTest
    min_count: int
    max_count: int | None


def _literal_test(g: rdflib.Graph, helper: rdflib.term.Node) -> _LiteralTest | None:
    """The test a "literal helper" stands for, or None if it is anything else."""
    datatypes: set = set()
    patterns = []
    for p, o in g.predicate_objects(helper):
        if p in (RDF.type, RDFS.comment, RDFS.label):
            continue
        if p == SH.datatype:
            datatypes = datatypes & {o} if datatypes else {o}
        elif p == SH.pattern and g.value(helper, SH.flags) is None:
            patterns.append(re.compile(str(o)))
        elif p == SH["or"]:
            members = list(rdflib.collection.Collection(g, o))
            types = set()
            for m in members:
                if set(g.predicates(m)) != {SH.datatype}:
                    return None
                types.add(g.value(m, SH.datatype))
            datatypes = datatypes & types if datatypes else types
        else:
            return None
    if not datatypes:
        return None
    return _LiteralTest(frozenset(datatypes), tuple(patterns))


def _value_shapes(shapes: rdflib.Graph) -> list[_ValueShape]:
    def build(_files: Any) -> list[_ValueShape]:
        out = []
        for shape in set(shapes.subjects(SH.node, None)):
            path = shapes.value(shape, SH.path)
            if not isinstance(shape, URIRef) or not isinstance(path, URIRef):
                continue
            constraints = set(shapes.predicates(shape)) - _NOT_CONSTRAINTS
            if not constraints <= {SH.node, SH.minCount, SH.maxCount}:
                continue
            helpers = list(shapes.objects(shape, SH.node))
            test = _literal_test(shapes, helpers[0]) if len(helpers) == 1 else None
            if test is None:
                continue
            max_count = shapes.value(shape, SH.maxCount)
            out.append(
                _ValueShape(
                    shape,
                    path,
                    test,
                    int(shapes.value(shape, SH.minCount) or 0),
                    int(max_count) if max_count is not None else None,
                )
            )
        return out

    key = ("value-shapes", id(shapes), len(shapes))
    with _cache_lock:
        found = _cache.get(key)
        if found is None:
            for old in [k for k in _cache if k[0] == "value-shapes"]:
                del _cache[old]
            found = _cache[key] = build(None)
        return found


def _focus_nodes(shapes: rdflib.Graph, shape: URIRef, data: rdflib.Graph) -> set:
    """The focus nodes of a shape's SHACL Core targets (sh:targetClass with sub-classes)."""
    found: set = set()
    for cls in shapes.objects(shape, SH.targetClass):
        for sub in data.transitive_subjects(RDFS.subClassOf, cls):
            found.update(data.subjects(RDF.type, sub))
    found.update(shapes.objects(shape, SH.targetNode))
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        found.update(data.subjects(p, None))
    for p in shapes.objects(shape, SH.targetObjectsOf):
        found.update(data.objects(None, p))
    return found


def _narrowed(shapes: rdflib.Graph, data: rdflib.Graph) -> rdflib.Graph:
    """The shapes graph with each pre-filtered value shape targeting only its suspects."""
    value_shapes = _value_shapes(shapes)
    if not value_shapes:
        return shapes
    out = rdflib.Graph()
    out += shapes
    for vs in value_shapes:
        suspects = []
        for focus in _focus_nodes(shapes, vs.shape, data):
            values = list(data.objects(focus, vs.path))
            if (
                len(values) < vs.min_count
                or (vs.max_count is not None and len(values) > vs.max_count)
                or not all(vs.test.passes(v) for v in values)
            ):
                suspects.append(focus)
        for p in _TARGETS:
            out.remove((vs.shape, p, None))
        for focus in suspects:
            out.add((vs.shape, SH.targetNode, focus))
    return out


def _message_templates(shapes: rdflib.Graph, shape: rdflib.term.Node) -> list[tuple[Any, str]]:
    """(regex, language) of each sh:message of ``shape`` and of its SPARQL constraints."""
    found = []
    for n in [shape, *shapes.objects(shape, SH.sparql)]:
        for m in shapes.objects(n, SH.message):
            if isinstance(m, Literal) and m.language:
                parts = re.split(r"\{[?$]\w+\}", str(m))
                pattern = "(?s)" + "(.*?)".join(map(re.escape, parts)) + "$"
                found.append((re.compile(pattern), m.language))
    return found


def _tag_messages(report: rdflib.Graph, shapes: rdflib.Graph) -> None:
    """Give back the language tags pySHACL drops when it fills ``{?var}`` in a message.

    The filled text is matched against the shape's message templates.
    """
    untagged = [
        (r, m)
        for r, m in report.subject_objects(SH.resultMessage)
        if isinstance(m, Literal) and not m.language
    ]
    templates: dict[rdflib.term.Node, list] = {}
    for r, m in untagged:
        shape = report.value(r, SH.sourceShape)
        if shape not in templates:
            templates[shape] = _message_templates(shapes, shape)
        for pattern, language in templates[shape]:
            if pattern.match(str(m)):
                report.remove((r, SH.resultMessage, m))
                report.add((r, SH.resultMessage, Literal(str(m), lang=language)))
                break


def _result(g: rdflib.Graph, node: rdflib.term.Node) -> ValidationResult:
    path = g.value(node, SH.resultPath)
    messages: dict[str, str] = {}
    for m in g.objects(node, SH.resultMessage):
        lang = (m.language or "") if isinstance(m, Literal) else ""
        messages.setdefault(lang, str(m))
    severity = g.value(node, SH.resultSeverity)
    return ValidationResult(
        focus=g.value(node, SH.focusNode),
        path=path,
        path_text=_path_text(g, path) if path is not None else None,
        value=g.value(node, SH.value),
        severity=_SEVERITIES.get(severity, str(severity)),
        messages=messages,
        source_shape=g.value(node, SH.sourceShape),
        constraint=g.value(node, SH.sourceConstraintComponent),
        node=node,
    )


def _path_text(g: rdflib.Graph, path: rdflib.term.Node) -> str:
    """A SHACL property path in SPARQL syntax with our prefixes (``^schema:fundedItem``)."""
    if isinstance(path, URIRef):
        iri = str(path)
        for prefix, ns in PREFIXES.items():
            if iri.startswith(str(ns)) and iri[len(str(ns)) :].replace("-", "").isalnum():
                return f"{prefix}:{iri[len(str(ns)) :]}"
        return f"<{iri}>"
    inverse = g.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(g, inverse)
    for pred, op in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = g.value(path, pred)
        if inner is not None:
            return f"({_path_text(g, inner)}){op}"
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        return (
            "("
            + "|".join(_path_text(g, p) for p in rdflib.collection.Collection(g, alternatives))
            + ")"
        )
    if g.value(path, RDF.first) is not None:
        return "/".join(_path_text(g, p) for p in rdflib.collection.Collection(g, path))
    return path.n3()


# -- context from the store ---------------------------------------------------------------
_BATCH = 500


def store_context(store: Any, data: rdflib.Graph, without: str | None = None) -> rdflib.Graph:
    """What the store already says that the shapes need to judge ``data``.

    * for every IRI the data uses as an object: its ``rdf:type`` and
      ``skos:inScheme`` (so an action may point to an organisation, a region
      or a concept that is already in the store);
    * for every IRI the data describes that the store describes too: the
      store's whole description of it, with its blank nodes one level deep (so
      adding a fact to a known resource is judged with what is known of it),
      and the types of what that description points to.

    ``store`` is a :class:`sira_kg.core.store.GraphStore`; queries run on the
    union of its graphs, with Oxigraph.

    ``without``: a graph the data will replace (a PUT of a contribution): the
    store is read as it will be after the replace, without that graph, so the
    old version of a resource is not judged beside its new one.
    """
    objects: set[str] = set()
    subjects: set[str] = set()
    for s, _p, o in _triples(data):
        if isinstance(o, URIRef):
            objects.add(str(o))
        if isinstance(s, URIRef):
            subjects.add(str(s))
    out = rdflib.Graph()
    graphs = None  # the union of all graphs
    if without is not None:
        graphs = [g.iri for g in store.graphs() if g.iri != without]
    for batch in _batches(sorted(subjects)):
        values = " ".join(str(ox.NamedNode(i)) for i in batch)
        rows = store.query(
            "SELECT ?s ?p ?o ?p2 ?o2 WHERE { VALUES ?s { " + values + " } ?s ?p ?o "
            "OPTIONAL { FILTER(isBlank(?o)) ?o ?p2 ?o2 } }",
            default_graph=graphs,
        )
        for row in rows:
            s, o = _to_rdflib(row["s"]), _to_rdflib(row["o"])
            out.add((s, _to_rdflib(row["p"]), o))
            if isinstance(o, URIRef):
                objects.add(str(o))
            if row["p2"] is not None:
                o2 = _to_rdflib(row["o2"])
                out.add((o, _to_rdflib(row["p2"]), o2))
                if isinstance(o2, URIRef):
                    objects.add(str(o2))
    for batch in _batches(sorted(objects)):
        values = " ".join(str(ox.NamedNode(i)) for i in batch)
        rows = store.query(
            # FILTER, not a second VALUES: Oxigraph 0.5 plans two VALUES blocks as a
            # scan of the whole store (2.5 s a batch at 1M triples, against 0.04 s).
            "SELECT ?s ?p ?o WHERE { VALUES ?s { " + values + " } ?s ?p ?o "
            "FILTER(?p IN (<" + str(RDF.type) + ">, <" + str(SKOS.inScheme) + ">)) }",
            default_graph=graphs,
        )
        for row in rows:
            out.add((_to_rdflib(row["s"]), _to_rdflib(row["p"]), _to_rdflib(row["o"])))
    return out


def _batches(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), _BATCH):
        yield items[i : i + _BATCH]
