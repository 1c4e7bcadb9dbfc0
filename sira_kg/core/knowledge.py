"""What the graph knows about each region, and what its sources leave open.

Why: the curated graph holds only what public pages say, so for most regions
something is missing (no first roundtable found, no pilot implementer, no
funding amount). Partners should see those holes to fill them, and readers of
the questions should know how complete an answer can be. The report is computed
from the store (curated data, contributions and all), so it shrinks as data
comes in: every "open" item is a check that fails today, not a note typed by hand.

``sira-kg report`` prints it; the web page /report shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sira_kg.core.store import GraphStore

#: Roundtables each platform planned (every regional page announces four).
PLANNED_ROUNDTABLES = 4

_PREFIX = """PREFIX sira: <https://w3id.org/sira/ns#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <http://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX adms: <http://www.w3.org/ns/adms#>
"""

# One row per region with the counts the report needs; each OPTIONAL subquery
# groups on the region alone, so the counts do not multiply each other.
_COUNTS = (
    _PREFIX
    + """
SELECT ?region ?label ?code ?urbanRural ?nationalCode
       (COALESCE(?m, 0) AS ?members) (COALESCE(?rt, 0) AS ?roundtables)
       (COALESCE(?numbers, "") AS ?roundtableNumbers)
       (COALESCE(?undated, 0) AS ?undatedRoundtables)
       (COALESCE(?uncounted, 0) AS ?uncountedRoundtables)
       (COALESCE(?p, 0) AS ?pilots) (COALESCE(?noImpl, 0) AS ?pilotsWithoutImplementer)
       (COALESCE(?noTheme, 0) AS ?pilotsWithoutTheme)
       (COALESCE(?noAmount, 0) AS ?pilotsWithoutAmount)
       (COALESCE(?g, 0) AS ?gaps) (COALESCE(?c, 0) AS ?capacities)
       (COALESCE(?d, 0) AS ?disagreements) (COALESCE(?s, 0) AS ?sources)
WHERE {
  ?region a sira:Region .
  OPTIONAL { ?region rdfs:label ?label FILTER(LANG(?label) = "en") }
  OPTIONAL { ?region sira:nutsCode ?code }
  OPTIONAL { ?region sira:urbanRuralType ?urbanRural }
  OPTIONAL { ?region adms:identifier ?nationalCode }
  OPTIONAL { SELECT ?region (COUNT(DISTINCT ?member) AS ?m) WHERE {
      ?platform sira:region ?region . ?ms org:organization ?platform ; org:member ?member .
  } GROUP BY ?region }
  OPTIONAL { SELECT ?region (COUNT(DISTINCT ?r) AS ?rt)
        (GROUP_CONCAT(DISTINCT STR(?n); separator=" ") AS ?numbers)
        (SUM(IF(BOUND(?date), 0, 1)) AS ?undated) (SUM(IF(BOUND(?count), 0, 1)) AS ?uncounted)
      WHERE {
      ?r a sira:Roundtable ; sira:region ?region .
      OPTIONAL { ?r sira:roundtableNumber ?n }
      OPTIONAL { ?r schema:startDate ?date }
      OPTIONAL { ?r sira:participantCount ?count }
  } GROUP BY ?region }
  OPTIONAL { SELECT ?region (COUNT(DISTINCT ?a) AS ?p)
        (SUM(IF(BOUND(?impl), 0, 1)) AS ?noImpl) (SUM(IF(BOUND(?amount), 0, 1)) AS ?noAmount)
        (SUM(IF(BOUND(?theme), 0, 1)) AS ?noTheme)
      WHERE {
      ?a a sira:PilotAction ; sira:region ?region .
      OPTIONAL { SELECT ?a (SAMPLE(?i) AS ?impl) WHERE { ?a sira:implementer ?i } GROUP BY ?a }
      OPTIONAL { SELECT ?a (SAMPLE(?t) AS ?theme) WHERE { ?a sira:theme ?t } GROUP BY ?a }
      OPTIONAL { SELECT ?a (SAMPLE(?v) AS ?amount) WHERE {
          ?f schema:fundedItem ?a ; schema:amount/schema:value ?v } GROUP BY ?a }
  } GROUP BY ?region }
  OPTIONAL { SELECT ?region (COUNT(DISTINCT ?gap) AS ?g) WHERE {
      ?gap a sira:Gap ; sira:region ?region } GROUP BY ?region }
  OPTIONAL { SELECT ?region (COUNT(DISTINCT ?cap) AS ?c) WHERE {
      ?cap a sira:Capacity ; sira:region ?region } GROUP BY ?region }
  OPTIONAL { SELECT ?region (COUNT(DISTINCT ?dis) AS ?d) WHERE {
      ?dis a sira:Disagreement ; sira:concerns ?region } GROUP BY ?region }
  OPTIONAL { SELECT ?region (COUNT(DISTINCT ?src) AS ?s) WHERE {
      { ?region dct:source ?src } UNION { ?x sira:region ?region ; dct:source ?src }
  } GROUP BY ?region }
}
ORDER BY ?code ?region
"""
)

_PROJECT = (
    _PREFIX
    + """
SELECT (COUNT(DISTINCT ?amount) AS ?projectAmounts) (COUNT(DISTINCT ?brief) AS ?briefs)
       (COUNT(DISTINCT ?undatedEvent) AS ?undatedEvents)
WHERE {
  { ?f a sira:Funding ; schema:fundedItem ?project ; schema:amount ?amount .
    ?project a sira:Project }
  UNION { ?brief sira:publicationType <https://w3id.org/sira/id/publication-type/policy-brief> ;
                 dct:issued ?issued }
  UNION { ?undatedEvent a sira:Event . FILTER NOT EXISTS { ?undatedEvent schema:startDate ?d } }
}
"""
)


@dataclass
class RegionKnowledge:
    """One region: what the graph holds (counts) and what is still open (sentences)."""

    region: str
    label: str
    nuts_code: str | None
    holds: dict[str, int] = field(default_factory=dict)
    open: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "label": self.label,
            "nuts_code": self.nuts_code,
            "holds": self.holds,
            "open": self.open,
        }


def _int(row: Any, name: str) -> int:
    value = row[name]
    return int(value.value) if value is not None else 0


#: Counts whose absence is a hole: (column, what to say when it is 0).
_NONE_FOUND = (
    ("members", "no platform member named"),
    ("pilots", "no pilot action found"),
    ("gaps", "no gap in provision recorded"),
    ("capacities", "no asset or capacity recorded"),
)
#: Counts of incomplete things: (column, what to say about n of them).
_INCOMPLETE = (
    ("undatedRoundtables", "{n} roundtable(s) without a date"),
    ("uncountedRoundtables", "{n} roundtable(s) without a participant count"),
    ("pilotsWithoutImplementer", "{n} pilot action(s) without implementer"),
    ("pilotsWithoutTheme", "{n} pilot action(s) whose content (theme) is not known"),
    ("pilotsWithoutAmount", "no funding amount for {n} pilot action(s)"),
    ("disagreements", "sources disagree ({n} disagreement(s) recorded)"),
)


def _open_items(row: Any) -> list[str]:
    """The checks that fail for one region, in words a partner can act on."""
    out = []
    if row["code"] is None:
        out.append("no NUTS code")
    if row["urbanRural"] is None:
        out.append("urban-rural type not stated by a source")
    if row["nationalCode"] is None:
        out.append("national statistical code not stated by a source")
    numbers = {int(n) for n in row["roundtableNumbers"].value.split() if n.isdigit()}
    out += [
        f"roundtable {n} not found" for n in range(1, PLANNED_ROUNDTABLES + 1) if n not in numbers
    ]
    out += [message for column, message in _NONE_FOUND if not _int(row, column)]
    out += [message.format(n=n) for column, message in _INCOMPLETE if (n := _int(row, column))]
    return out


def regions(store: GraphStore) -> list[RegionKnowledge]:
    """The report, region by region (ordered by NUTS code)."""
    out = []
    for row in store.query(_COUNTS):
        code = row["code"].value if row["code"] is not None else None
        label = row["label"].value if row["label"] is not None else (code or row["region"].value)
        holds = {
            name: _int(row, name)
            for name in ("members", "roundtables", "pilots", "gaps", "capacities", "sources")
        }
        out.append(
            RegionKnowledge(row["region"].value, label, code, holds=holds, open=_open_items(row))
        )
    return out


def project_open(store: GraphStore) -> list[str]:
    """What the sources leave open about the project itself."""
    row = next(iter(store.query(_PROJECT)))
    out = []
    if not _int(row, "projectAmounts"):
        out.append("project budget and AMIF grant amount not found")
    if not _int(row, "briefs"):
        out.append("no dated policy brief found (titles and dates of the briefs)")
    if _int(row, "undatedEvents"):
        out.append(f"{_int(row, 'undatedEvents')} event(s) without a date")
    return out


def to_text(store: GraphStore) -> str:
    """The report as plain text, for the CLI."""
    lines = []
    for r in regions(store):
        held = ", ".join(f"{v} {k}" for k, v in r.holds.items())
        lines.append(f"{r.label} ({r.nuts_code or 'no NUTS code'}): {held}")
        lines.extend(f"  open: {item}" for item in r.open)
    lines.append("Share SIRA project:")
    lines.extend(f"  open: {item}" for item in project_open(store))
    return "\n".join(lines) + "\n"
