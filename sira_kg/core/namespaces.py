"""Namespaces and well-known IRIs, defined once for the whole code base."""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

SIRA = Namespace("https://w3id.org/sira/ns#")
ID = Namespace("https://w3id.org/sira/id/")
SYN = Namespace("https://w3id.org/sira/synthetic/")
SCHEMA = Namespace("http://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
VOAF = Namespace("http://purl.org/vocommons/voaf#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
NUTS = Namespace("http://data.europa.eu/nuts/code/")
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EUROVOC = Namespace("http://eurovoc.europa.eu/")
ADMS = Namespace("http://www.w3.org/ns/adms#")

# Named graphs of the core data (see docs/model.md and README).
GRAPH = Namespace("https://w3id.org/sira/graph/")
ONTOLOGY_GRAPH = GRAPH["ontology"]
SHAPES_GRAPH = GRAPH["shapes"]
METADATA_GRAPH = GRAPH["metadata"]

PREFIXES = {
    "sira": SIRA,
    "id": ID,
    "syn": SYN,
    "schema": SCHEMA,
    "org": ORG,
    "skos": SKOS,
    "dct": DCTERMS,
    "prov": PROV,
    "dcat": DCAT,
    "foaf": FOAF,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "sh": SH,
    "vann": VANN,
    "voaf": VOAF,
    "locn": LOCN,
    "adms": ADMS,
}


def bind_prefixes(graph) -> None:
    """Bind our usual prefixes on an rdflib graph, for readable output."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
