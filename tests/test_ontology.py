"""The vocabulary (ontology/sira.ttl): it parses, documents itself in EN and FR, is
aligned to well-known vocabularies, declares every sira: term the repo uses, and
renders as HTML documentation.

The "used terms" test scans every .ttl, .rq and .jsonld file under ontology/,
shapes/, data/ and queries/, so files added later are covered too: a typo such as
``sira:implementor`` fails here, naming the file and the term.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as rdfns
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SH, SKOS

from sira_kg.core.namespaces import SCHEMA, SIRA, VANN, VOAF

REPO = Path(__file__).resolve().parent.parent
ONTOLOGY_FILE = REPO / "ontology" / "sira.ttl"
MODEL_FILE = REPO / "docs" / "model.md"
ONTOLOGY_IRI = URIRef("https://w3id.org/sira/ns")
SCANNED_DIRS = ("ontology", "shapes", "data", "queries")
SCANNED_SUFFIXES = (".ttl", ".rq", ".jsonld")

CLASS_TYPES = {OWL.Class, RDFS.Class}
PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property}
LANGS = ("en", "fr")

# Local names: letters, digits, underscore, hyphen; no dots (a trailing "." ends a triple).
_LOCAL = r"([A-Za-z_][A-Za-z0-9_-]*)"
_FULL_IRI = re.compile(re.escape(str(SIRA)) + _LOCAL)
_SPARQL_PREFIX = re.compile(
    r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<" + re.escape(str(SIRA)) + ">", re.IGNORECASE
)
_SPARQL_TEXT = (SH.select, SH.ask, SH.construct, SH.update)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def declared_terms(graph: Graph) -> dict[URIRef, set[URIRef]]:
    """sira: IRIs typed as a class or property in the graph, with their types."""
    terms: dict[URIRef, set[URIRef]] = {}
    for s, t in graph.subject_objects(RDF.type):
        if isinstance(s, URIRef) and s.startswith(str(SIRA)) and t in CLASS_TYPES | PROPERTY_TYPES:
            terms.setdefault(s, set()).add(t)
    return terms


def _langs(graph: Graph, subject: URIRef, predicate: URIRef) -> set[str | None]:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


def _names_in_sparql(text: str, prefixes: set[str]) -> set[str]:
    names = set(_FULL_IRI.findall(text))
    for prefix in prefixes:
        names |= set(re.findall(r"(?<![\w:/#])" + re.escape(prefix) + ":" + _LOCAL, text))
    return names


def sira_terms_used(path: Path) -> set[URIRef]:
    """Every sira: IRI a file mentions (Turtle parsed; SPARQL and JSON-LD read as text)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ttl":
        graph = Graph().parse(path, format="turtle")
        iris = set()
        for triple in graph:
            for node in triple:
                if isinstance(node, URIRef):
                    iris.add(str(node))
                elif isinstance(node, Literal) and node.datatype is not None:
                    iris.add(str(node.datatype))
        names = {iri[len(str(SIRA)) :] for iri in iris if iri.startswith(str(SIRA))}
        # SPARQL-based shapes keep their queries in literals.
        for predicate in _SPARQL_TEXT:
            for query in graph.objects(None, predicate):
                names |= _names_in_sparql(str(query), {"sira"})
    elif path.suffix == ".rq":
        prefixes = {p or "" for p in _SPARQL_PREFIX.findall(text)}
        names = _names_in_sparql(text, prefixes)
    else:  # JSON-LD: full IRIs and compact "sira:..." IRIs (contexts bind sira: to us)
        names = set(_FULL_IRI.findall(text)) | set(re.findall(r'"sira:' + _LOCAL, text))
    return {SIRA[name] for name in names if name}


def scanned_files() -> list[Path]:
    files = []
    for folder in SCANNED_DIRS:
        for suffix in SCANNED_SUFFIXES:
            files.extend((REPO / folder).rglob(f"*{suffix}"))
    return sorted(files)


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(REPO)) for p in paths]


# --- parsing and declarations -------------------------------------------------------


def test_ontology_parses_with_one_ontology_header(ontology: Graph) -> None:
    assert list(ontology.subjects(RDF.type, OWL.Ontology)) == [ONTOLOGY_IRI]
    assert len(declared_terms(ontology)) >= 40


def test_ontology_has_no_blank_nodes(ontology: Graph) -> None:
    blanks = {n for triple in ontology for n in triple if isinstance(n, BNode)}
    assert not blanks, "terms and their descriptions must be IRIs, not blank nodes"


def test_every_sira_subject_is_declared_once_as_class_or_property(ontology: Graph) -> None:
    terms = declared_terms(ontology)
    subjects = {s for s in ontology.subjects() if isinstance(s, URIRef) and s.startswith(SIRA)}
    assert subjects == set(terms), f"described but not declared: {sorted(subjects - set(terms))}"
    for term, types in terms.items():
        owl_types = types & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
        assert len(owl_types) == 1, f"{term} must be exactly one of owl:Class/ObjectProperty/..."
        assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in ontology, f"{term}: rdfs:isDefinedBy"


def test_every_term_has_label_and_definition_in_en_and_fr(ontology: Graph) -> None:
    missing = []
    for term in sorted(declared_terms(ontology)):
        for predicate in (RDFS.label, SKOS.definition):
            langs = {
                o.language for o in ontology.objects(term, predicate) if isinstance(o, Literal)
            }
            missing += [f"{term} {predicate} @{lang}" for lang in LANGS if lang not in langs]
    assert not missing, "\n".join(missing)


LABEL_LANGS = ("en", "fr", "es", "pl", "el")


def test_every_term_has_exactly_one_label_in_each_project_language(ontology: Graph) -> None:
    """The brief wants the vocabulary labelled in EN, FR, ES, PL and EL: one label each."""
    problems = []
    for term in sorted(declared_terms(ontology)):
        labels = [o for o in ontology.objects(term, RDFS.label) if isinstance(o, Literal)]
        for lang in LABEL_LANGS:
            count = sum(1 for label in labels if label.language == lang)
            if count != 1:
                problems.append(f"{term} rdfs:label @{lang}: {count} (expected 1)")
    assert not problems, "\n".join(problems)


def test_at_most_one_editorial_note_per_term(ontology: Graph) -> None:
    crowded = [
        term
        for term in declared_terms(ontology)
        if len(list(ontology.objects(term, SKOS.editorialNote))) > 1
    ]
    assert not crowded, f"more than one skos:editorialNote: {sorted(crowded)}"


def _is_external(node: object) -> bool:
    return isinstance(node, URIRef) and not node.startswith(str(SIRA))


def test_every_class_is_aligned_to_an_external_class(ontology: Graph) -> None:
    classes = [t for t, types in declared_terms(ontology).items() if OWL.Class in types]
    unaligned = []
    for cls in classes:
        ancestors = set(ontology.transitive_objects(cls, RDFS.subClassOf)) - {cls}
        ancestors |= set(ontology.objects(cls, OWL.equivalentClass))
        if not any(_is_external(a) for a in ancestors):
            unaligned.append(cls)
    assert not unaligned, f"classes without an external superclass: {unaligned}"


def test_property_kinds_match_their_ranges(ontology: Graph) -> None:
    for term, types in declared_terms(ontology).items():
        for rng in ontology.objects(term, RDFS.range):
            is_datatype = rng.startswith(str(rdfns.XSD)) or rng == RDF.langString
            if OWL.DatatypeProperty in types:
                assert is_datatype, f"{term}: datatype property with range {rng}"
            if OWL.ObjectProperty in types:
                assert not is_datatype, f"{term}: object property with range {rng}"


def test_sira_domains_ranges_and_superclasses_are_classes(ontology: Graph) -> None:
    classes = {t for t, types in declared_terms(ontology).items() if types & CLASS_TYPES}
    for predicate in (RDFS.domain, RDFS.range, RDFS.subClassOf, SCHEMA.domainIncludes):
        for s, o in ontology.subject_objects(predicate):
            if isinstance(o, URIRef) and o.startswith(str(SIRA)):
                assert o in classes, f"{s} {predicate} {o}: not a sira: class"


def test_every_term_of_the_data_model_is_declared(ontology: Graph) -> None:
    """docs/model.md is the contract: its sira: terms and its class table exist here."""
    text = MODEL_FILE.read_text(encoding="utf-8")
    names = set(re.findall(r"\bsira:" + _LOCAL, text))
    classes_section = text.split("## Classes", 1)[1].split("##", 1)[0]
    names |= set(re.findall(r"^\| `([A-Z][A-Za-z]*)`", classes_section, flags=re.M))
    common = re.search(r"Common properties \(`sira:`\):(.*?)\n\n", text, flags=re.S)
    assert common, "docs/model.md lost its 'Common properties' paragraph"
    names |= set(re.findall(r"`([a-z][A-Za-z]*)`", common.group(1)))
    assert {"Region", "PilotAction", "Funding", "theme", "governanceLevel"} <= names
    declared = declared_terms(ontology)
    missing = sorted(name for name in names if SIRA[name] not in declared)
    assert not missing, f"named in docs/model.md but not in ontology/sira.ttl: {missing}"


# --- every sira: term used anywhere is declared -------------------------------------


@pytest.mark.parametrize("path", scanned_files(), ids=_ids(scanned_files()))
def test_sira_terms_used_in_repo_files_are_declared(path: Path, ontology: Graph) -> None:
    unknown = sorted(sira_terms_used(path) - set(declared_terms(ontology)))
    assert not unknown, f"{path.relative_to(REPO)} uses undeclared sira: terms: {unknown}"


def test_scanner_finds_terms_in_each_syntax(tmp_path: Path) -> None:
    """The scan above would pass vacuously if it found nothing: check it finds typos."""
    (tmp_path / "a.ttl").write_text(
        "@prefix sira: <https://w3id.org/sira/ns#> .\n"
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        '<http://example.org/a> a sira:Acton ; sira:regoin "x"^^sira:Kind .\n'
        '<http://example.org/s> sh:select "SELECT * { ?s sira:implementor ?o }" .\n'
    )
    (tmp_path / "q.rq").write_text(
        "# uses sira:region in a comment\nPREFIX s: <https://w3id.org/sira/ns#>\n"
        "SELECT * { ?a a s:PilotActon ; <https://w3id.org/sira/ns#themes> ?t . }\n"
    )
    (tmp_path / "c.jsonld").write_text('{"@context": {"Gap": "sira:Gapp"}}')
    assert sira_terms_used(tmp_path / "a.ttl") == {
        SIRA.Acton,
        SIRA.regoin,
        SIRA.Kind,
        SIRA.implementor,
    }
    assert sira_terms_used(tmp_path / "q.rq") == {SIRA.PilotActon, SIRA.themes}
    assert sira_terms_used(tmp_path / "c.jsonld") == {SIRA.Gapp}


# --- publishing metadata -------------------------------------------------------------


def test_header_metadata(ontology: Graph) -> None:
    ont = ONTOLOGY_IRI
    assert (ont, RDF.type, VOAF.Vocabulary) in ontology
    assert {"en", "fr"} <= _langs(ontology, ont, DCTERMS.title)
    assert {"en", "fr"} <= _langs(ontology, ont, DCTERMS.description)
    assert ontology.value(ont, OWL.versionInfo) == Literal("2.0.0")
    assert ontology.value(ont, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    for predicate in (DCTERMS.created, DCTERMS.modified):
        value = ontology.value(ont, predicate)
        assert isinstance(value, Literal) and value.datatype == rdfns.XSD.date, predicate
    assert ontology.value(ont, DCTERMS.created) <= ontology.value(ont, DCTERMS.modified)
    assert str(ontology.value(ont, VANN.preferredNamespacePrefix)) == "sira"
    assert str(ontology.value(ont, VANN.preferredNamespaceUri)) == str(SIRA)


def test_creator_is_a_labelled_organisation(ontology: Graph) -> None:
    creators = list(ontology.objects(ONTOLOGY_IRI, DCTERMS.creator))
    assert creators and all(isinstance(c, URIRef) for c in creators)
    for creator in creators:
        assert (creator, RDF.type, FOAF.Organization) in ontology
        assert {"en", "fr"} <= _langs(ontology, creator, RDFS.label)


def test_version_iri_is_an_iri_naming_the_version(ontology: Graph) -> None:
    version_iri = ontology.value(ONTOLOGY_IRI, OWL.versionIRI)
    assert isinstance(version_iri, URIRef)
    assert version_iri == URIRef("https://w3id.org/sira/ns/2.0.0")
    assert str(version_iri).endswith(str(ontology.value(ONTOLOGY_IRI, OWL.versionInfo)))


# --- HTML documentation -------------------------------------------------------------


def _run_docs(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sira_kg.docs", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_docs_command_renders_english_and_french_pages(tmp_path: Path) -> None:
    result = _run_docs(str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    english = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    french = (tmp_path / "out" / "fr" / "index.html").read_text(encoding="utf-8")
    assert "Pilot action" in english and "https://w3id.org/sira/ns#PilotAction" in english
    assert "Action pilote" in french and "Action pilote" not in english
    assert "Regional cooperation platform" in english
    # Offline: no stylesheet or script fetched from elsewhere.
    for page in (english, french):
        assert not re.search(r"<script[^>]+src=", page)
        assert not re.search(r'<link[^>]+rel="stylesheet"', page)


def test_docs_command_reports_a_missing_ontology(tmp_path: Path) -> None:
    result = _run_docs(str(tmp_path / "out"), str(tmp_path / "missing.ttl"))
    assert result.returncode == 2
    assert "missing.ttl: no such file" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "index.html").exists()
