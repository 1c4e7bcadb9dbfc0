"""Benchmark of the SHACL gate (sira_kg.core.validation.validate) on synthetic data.

Run: ``.venv/bin/python benchmarks/validation_bench.py [SIZE ...]`` (sizes in
triples, default 1000 10000 100000). Prints, per size, the time to parse the
Turtle, to validate it, and the number of results.

The data is synthetic (namespace https://w3id.org/sira/synthetic/bench/):
regions, organisations, actions with periods, themes and target groups, and
funding records with amounts, all conforming to shapes/, so the time measured
is the time of a load that is accepted.
"""

from __future__ import annotations

import random
import sys
import time

SYN = "https://w3id.org/sira/synthetic/bench/"
ID = "https://w3id.org/sira/id/"
THEMES = ["housing", "mental-health", "language-acquisition", "labour-market", "mentorship"]
GROUPS = ["refugees", "asylum-seekers", "newcomers", "local-community"]
STATUSES = ["planned", "ongoing", "completed"]
CATEGORIES = ["civil-society-organisation", "local-authority", "regional-agency"]
LEVELS = ["eu", "national", "regional", "local"]

PREFIXES = f"""\
# Synthetic benchmark data (not real facts).
@prefix sira: <https://w3id.org/sira/ns#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix schema: <http://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix syn: <{SYN}> .
"""


def synthetic_turtle(triples: int, seed: int = 0) -> str:
    """About ``triples`` triples of valid synthetic data, as Turtle (deterministic)."""
    rnd = random.Random(seed)
    out = [PREFIXES]
    n_regions = max(1, triples // 5000)
    for r in range(n_regions):
        code = f"ZZ{r:03d}"
        out.append(
            f'syn:region-{r} a sira:Region ; rdfs:label "Synthetic region {r}"@en ; '
            f'sira:nutsCode "{code}" ; sira:nutsLevel 3 ; '
            f"sira:country <http://publications.europa.eu/resource/authority/country/FRA> ; "
            f"sira:nutsRegion <http://data.europa.eu/nuts/code/{code}> .\n"
        )
    out.append(
        'syn:stream a sira:FundingStream ; rdfs:label "Synthetic stream"@en ; '
        f"sira:governanceLevel <{ID}governance-level/{rnd.choice(LEVELS)}> .\n"
    )
    # One unit (an action, its funding, every fifth one a new organisation) is about 25 triples.
    units = max(1, (triples - 8 * n_regions) // 25)
    for i in range(units):
        region = f"syn:region-{i % n_regions}"
        if i % 5 == 0:
            out.append(
                f"syn:org-{i // 5} a org:Organization ; "
                f'rdfs:label "Synthetic organisation {i // 5}"@en ; '
                f"org:classification <{ID}stakeholder-category/{rnd.choice(CATEGORIES)}> ; "
                f"sira:region {region} .\n"
            )
        year = 2015 + rnd.randrange(8)
        themes = ", ".join(f"<{ID}theme/{t}>" for t in rnd.sample(THEMES, 2))
        out.append(
            f'syn:action-{i} a sira:Action ; rdfs:label "Synthetic action {i}"@en ; '
            f'dct:description "A synthetic action for benchmarks."@en ; '
            f"sira:implementer syn:org-{i // 5} ; sira:region {region} ; "
            f"adms:status <{ID}action-status/{rnd.choice(STATUSES)}> ; sira:theme {themes} ; "
            f"sira:targetGroup <{ID}target-group/{rnd.choice(GROUPS)}> ; "
            f"dct:temporal [ a dct:PeriodOfTime ; "
            f'dcat:startDate "{year}-01-01"^^xsd:date ; '
            f'dcat:endDate "{year + 1}-06-30"^^xsd:date ] .\n'
            f"syn:funding-{i} a sira:Funding ; sira:fundingStream syn:stream ; "
            f"schema:fundedItem syn:action-{i} ; schema:funder syn:org-{i // 5} ; "
            f"schema:amount [ a schema:MonetaryAmount ; "
            f'schema:value {rnd.randrange(1000, 100000)}.00 ; schema:currency "EUR" ] ; '
            f'dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "{year}"^^xsd:gYear ] .\n'
        )
    return "".join(out)


def main(sizes: list[int] | None = None) -> None:
    sizes = sizes or [1000, 10000, 100000]
    from sira_kg.core.rdfio import parse_bytes
    from sira_kg.core.validation import validate

    validate(parse_bytes(synthetic_turtle(100), "turtle"))  # warm the caches
    print(f"{'triples':>8} {'parse s':>8} {'validate s':>10} {'results':>8} conforms")
    for size in sizes:
        text = synthetic_turtle(size)
        t0 = time.perf_counter()
        data = parse_bytes(text, "turtle", "synthetic")
        t1 = time.perf_counter()
        report = validate(data)
        t2 = time.perf_counter()
        print(
            f"{len(data):>8} {t1 - t0:>8.3f} {t2 - t1:>10.3f} {len(report.results):>8} "
            f"{report.conforms}"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]])
