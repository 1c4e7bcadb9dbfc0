"""Parameter values resolved to RDF terms that exist (never pasted into query text).

Why: a user gives ``region=FRC13`` or ``theme=employment``; what is bound is
the region's IRI or the concept's IRIs (and its narrower ones), looked up in
the store, so that a value naming nothing is refused with the valid values
instead of silently answering nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyoxigraph as ox

from sira_kg.core.namespaces import ID, LANGUAGE
from sira_kg.core.store import sparql_term
from sira_kg.endpoint.questions.catalogue import Param, Question
from sira_kg.endpoint.questions.errors import ParameterError
from sira_kg.endpoint.questions.running import Runner, Term

# The 24 official languages of the EU, as the EU's language authority codes them
# (the eForms "eu-official-language" code list): ISO 639-1 -> (code, English, French).
EU_LANGUAGES: dict[str, tuple[str, str, str]] = {
    "bg": ("BUL", "Bulgarian", "bulgare"),
    "cs": ("CES", "Czech", "tchèque"),
    "da": ("DAN", "Danish", "danois"),
    "de": ("DEU", "German", "allemand"),
    "el": ("ELL", "Greek", "grec"),
    "en": ("ENG", "English", "anglais"),
    "es": ("SPA", "Spanish", "espagnol"),
    "et": ("EST", "Estonian", "estonien"),
    "fi": ("FIN", "Finnish", "finnois"),
    "fr": ("FRA", "French", "français"),
    "ga": ("GLE", "Irish", "irlandais"),
    "hr": ("HRV", "Croatian", "croate"),
    "hu": ("HUN", "Hungarian", "hongrois"),
    "it": ("ITA", "Italian", "italien"),
    "lt": ("LIT", "Lithuanian", "lituanien"),
    "lv": ("LAV", "Latvian", "letton"),
    "mt": ("MLT", "Maltese", "maltais"),
    "nl": ("NLD", "Dutch", "néerlandais"),
    "pl": ("POL", "Polish", "polonais"),
    "pt": ("POR", "Portuguese", "portugais"),
    "ro": ("RON", "Romanian", "roumain"),
    "sk": ("SLK", "Slovak", "slovaque"),
    "sl": ("SLV", "Slovenian", "slovène"),
    "sv": ("SWE", "Swedish", "suédois"),
}
LANGUAGE_NAMES = {
    str(LANGUAGE) + code: {"en": en, "fr": fr} for code, en, fr in EU_LANGUAGES.values()
}
MAX_LISTED = 200  # valid values listed in an error at most


@dataclass(frozen=True)
class Resolved:
    """A parameter value and the RDF terms it names (several for a concept and its narrower)."""

    value: str
    terms: tuple[ox.NamedNode | ox.Literal, ...]


def _listing(values: Iterable[str]) -> list[str]:
    values = sorted(set(values), key=str.lower)
    if len(values) > MAX_LISTED:
        return [*values[:MAX_LISTED], f"... and {len(values) - MAX_LISTED} more"]
    return values


def _names_nothing(param: Param, value: str, what: str, valid: Iterable[str]) -> ParameterError:
    return ParameterError(
        f"{param.name}={value!r} names no {what} in the graph",
        parameter=param.name,
        valid_values=_listing(valid),
    )


def _is_iri(value: str) -> bool:
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*\Z", value))


def _select(runner: Runner, sparql: str) -> list[dict[str, Term]]:
    variables, rows = runner(sparql)
    return [{v: t for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]


def _resolve_region(param: Param, value: str, runner: Runner) -> tuple[ox.NamedNode, ...]:
    rows = _select(
        runner,
        "PREFIX sira: <https://w3id.org/sira/ns#> SELECT ?region ?code ?nuts WHERE { "
        "?region a sira:Region . OPTIONAL { ?region sira:nutsCode ?code } "
        "OPTIONAL { ?region sira:nutsRegion ?nuts } }",
    )
    wanted = value.strip()
    for row in rows:
        code = row.get("code")
        nuts = row.get("nuts")
        if (
            row["region"].value == wanted
            or (code is not None and code.value.upper() == wanted.upper())
            or (nuts is not None and nuts.value == wanted)
        ):
            return (row["region"],)
    codes = [r["code"].value if "code" in r else r["region"].value for r in rows]
    return _raise(_names_nothing(param, value, "region", codes))


def _raise(error: Exception) -> Any:
    raise error


def _resolve_concept(param: Param, value: str, runner: Runner) -> tuple[ox.NamedNode, ...]:
    scheme = sparql_term(ox.NamedNode(str(ID) + "scheme/" + (param.scheme or "")))
    rows = _select(
        runner,
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?concept ?notation ?label "
        f"WHERE {{ ?concept skos:inScheme {scheme} . "
        "OPTIONAL { ?concept skos:notation ?notation } "
        "OPTIONAL { ?concept skos:prefLabel ?label } }",
    )
    wanted = value.strip()
    found = None
    for key in ("concept", "notation", "label"):
        for row in rows:
            term = row.get(key)
            if term is None:
                continue
            if (key == "concept" and term.value == wanted) or (
                key != "concept" and term.value.casefold() == wanted.casefold()
            ):
                found = row["concept"]
                break
        if found is not None:
            break
    if found is None:
        notations = [r["notation"].value for r in rows if "notation" in r]
        return _raise(_names_nothing(param, value, f"concept of scheme {param.scheme}", notations))
    if not param.narrower:
        return (found,)
    narrower = _select(
        runner,
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT DISTINCT ?concept WHERE { "
        f"VALUES ?top {{ {sparql_term(found)} }} ?concept skos:broader* ?top ; "
        f"skos:inScheme {scheme} . }}",
    )
    terms = {found.value} | {r["concept"].value for r in narrower}
    return tuple(ox.NamedNode(t) for t in sorted(terms))


def _resolve_resource(param: Param, value: str, runner: Runner) -> tuple[ox.NamedNode, ...]:
    cls = sparql_term(ox.NamedNode(param.cls or ""))
    rows = _select(
        runner,
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?resource ?label WHERE { "
        f"?resource a {cls} . OPTIONAL {{ ?resource rdfs:label ?label }} }}",
    )
    wanted = value.strip()
    for row in rows:
        if row["resource"].value == wanted:
            return (row["resource"],)
    for row in rows:
        if "label" in row and row["label"].value.casefold() == wanted.casefold():
            return (row["resource"],)
    valid = [r["label"].value if "label" in r else r["resource"].value for r in rows]
    return _raise(_names_nothing(param, value, f"<{param.cls}>", valid))


def _resolve_language(param: Param, value: str, runner: Runner) -> tuple[ox.NamedNode, ...]:
    rows = _select(
        runner,
        "PREFIX dct: <http://purl.org/dc/terms/> SELECT DISTINCT ?language WHERE { "
        "?resource dct:language ?language }",
    )
    known = {r["language"].value for r in rows if isinstance(r["language"], ox.NamedNode)}
    known |= set(LANGUAGE_NAMES)
    wanted = value.strip()
    candidates = [wanted, str(LANGUAGE) + wanted.upper()]
    if wanted.lower() in EU_LANGUAGES:
        candidates.append(str(LANGUAGE) + EU_LANGUAGES[wanted.lower()][0])
    for candidate in candidates:
        if candidate in known:
            return (ox.NamedNode(candidate),)
    codes = [iri.rsplit("/", 1)[-1] for iri in known if iri.startswith(str(LANGUAGE))]
    codes += list(EU_LANGUAGES)
    return _raise(_names_nothing(param, value, "language", codes))


_XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")


def _resolve_date(param: Param, value: str, runner: Runner) -> tuple[ox.Literal, ...]:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ParameterError(
            f"{param.name}={value!r} is not a date; give it as YYYY-MM-DD, e.g. 2021-03-01",
            parameter=param.name,
            valid_values=["YYYY-MM-DD"],
        ) from None
    return (ox.Literal(day.isoformat(), datatype=_XSD_DATE),)


_RESOLVERS: dict[str, Callable[[Param, str, Runner], tuple]] = {
    "region": _resolve_region,
    "concept": _resolve_concept,
    "resource": _resolve_resource,
    "language": _resolve_language,
    "date": _resolve_date,
}


def resolve(
    question: Question, given: Mapping[str, str | Sequence[str]], runner: Runner
) -> dict[str, Resolved]:
    """Resolve the values ``given`` (name -> value) to RDF terms; :class:`ParameterError` if not.

    Unknown names, a missing required value, a value given twice, an empty
    value and a value that names nothing are refused, each with the valid
    names or values. Defaults apply to parameters not given.
    """
    valid = [p.name for p in question.params]
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise ParameterError(
            f"unknown parameter {unknown[0]!r} for question {question.name!r}"
            + (f"; its parameters are {', '.join(valid)}" if valid else "; it takes none"),
            parameter=unknown[0],
            valid_values=valid,
        )
    out: dict[str, Resolved] = {}
    for param in question.params:
        raw = given.get(param.name)
        values = [raw] if isinstance(raw, str) else list(raw or [])
        if len(values) > 1:
            raise ParameterError(
                f"{param.name} was given {len(values)} times; give it once",
                parameter=param.name,
            )
        value = values[0] if values else param.default
        if value is None:
            if param.required:
                raise _missing(question, param, runner)
            continue
        if not value.strip():
            raise ParameterError(f"{param.name} is empty", parameter=param.name)
        out[param.name] = Resolved(value, _RESOLVERS[param.type](param, value, runner))
    return out


def _missing(question: Question, param: Param, runner: Runner) -> ParameterError:
    """The error for a required parameter not given, with its valid values."""
    try:
        _RESOLVERS[param.type](param, "", runner)
        valid: list[str] = []
    except ParameterError as exc:
        valid = exc.details.get("valid_values", [])
    return ParameterError(
        f"question {question.name!r} needs the parameter {param.name!r}"
        + (f", for example {param.name}={param.example}" if param.example else ""),
        parameter=param.name,
        valid_values=valid,
    )
