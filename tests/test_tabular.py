"""Partner CSV templates → RDF (sira_kg.loaders.tabular) and `sira-kg convert`."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import RDFS, XSD

from sira_kg.core.namespaces import ID, SCHEMA, SIRA
from sira_kg.core.settings import resource_dir
from sira_kg.loaders.tabular import (
    TabularError,
    columns_markdown,
    convert_file,
    expand_curie,
    load_mappings,
)

TEMPLATES = sorted(resource_dir("templates").glob("*.csv"))
EXAMPLE = "http://example.org/sira-example/"


def _write(path: Path, header: list[str], *rows: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _action_row(**cells: str) -> tuple[list[str], list[str]]:
    base = {
        "id": "http://example.org/t/action/1",
        "label_en": "Test action",
        "implementers": "http://example.org/t/org/1",
        "regions": "FRC13",
        "themes": "health",
    }
    base.update(cells)
    return list(base), list(base.values())


def test_every_mapping_has_a_template_with_the_same_columns():
    mappings = load_mappings()
    assert {p.stem for p in TEMPLATES} == set(mappings)
    assert {"organisations", "actions", "funding", "strategies", "gaps", "capacities"} <= set(
        mappings
    )
    for path in TEMPLATES:
        with path.open(encoding="utf-8") as f:
            header = next(csv.reader(f))
        assert tuple(header) == mappings[path.stem].column_names, path.name


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_each_template_example_converts(path: Path):
    graph = convert_file(path)
    mapping = load_mappings()[path.stem]
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1, "one example row per template"
    subject = URIRef(rows[0]["id"])
    for cls in mapping.classes:
        assert (subject, RDF.type, expand_curie(cls)) in graph
    for column in mapping.columns:
        if column.required and column.property:
            assert graph.value(subject, expand_curie(column.property)) is not None, column.name
    # The example is clearly an example: every IRI it mints is under example.org.
    for s in graph.subjects():
        if isinstance(s, URIRef):
            assert str(s).startswith(EXAMPLE), s
    assert (None, SIRA.region, URIRef(f"{ID}region/FRC13")) not in graph


def test_example_action_has_the_expected_triples():
    g = convert_file(resource_dir("templates") / "actions.csv")
    action = URIRef(EXAMPLE + "action/language-cafe")
    assert (action, RDF.type, SIRA.Action) in g
    assert (action, RDFS.label, Literal("Café linguistique (exemple)", lang="fr")) in g
    # "Apprentissage de la langue" is a French label; "intercultural-exchange" a notation.
    assert set(g.objects(action, SIRA.theme)) == {
        ID["theme/language-acquisition"],
        ID["theme/intercultural-exchange"],
    }
    assert set(g.objects(action, SIRA.targetGroup)) == {
        ID["target-group/refugees"],
        ID["target-group/local-community"],
    }
    period = g.value(action, URIRef("http://purl.org/dc/terms/temporal"))
    assert g.value(period, URIRef("http://www.w3.org/ns/dcat#startDate")) == Literal(
        "2024-01", datatype=XSD.gYearMonth
    )


def test_funding_amount_without_currency_is_refused_not_euro(tmp_path: Path):
    """Issue 14 reverses the v1 default: an amount's currency is never assumed."""
    mapping = load_mappings()["funding"]
    path = _write(
        tmp_path / "funding.csv",
        list(mapping.column_names[:5]),
        [
            "http://example.org/t/f/1",
            "http://example.org/t/s/1",
            "",
            "http://example.org/t/a/1",
            "2500.5",
        ],
    )
    with pytest.raises(TabularError, match="'amount' is filled in"):
        convert_file(path)


def test_concepts_by_label_in_either_language_case_insensitive_by_notation_or_iri(tmp_path):
    header, row = _action_row(
        themes=f"SANTÉ MENTALE; housing; Access to the labour market; {ID}theme/sport",
        regions=f"FRC13; {EXAMPLE}region/EXAMPLE",
    )
    g = convert_file(_write(tmp_path / "actions.csv", header, row))
    action = URIRef(row[0])
    assert set(g.objects(action, SIRA.theme)) == {
        ID["theme/mental-health"],
        ID["theme/housing"],
        ID["theme/labour-market"],
        ID["theme/sport"],
    }
    assert set(g.objects(action, SIRA.region)) == {
        ID["region/FRC13"],
        URIRef(EXAMPLE + "region/EXAMPLE"),
    }


def test_unknown_concept_label_names_row_column_value_and_choices(tmp_path: Path):
    header, row = _action_row(themes="health; Sante mentale")  # accents are respected
    other = [
        "http://example.org/t/action/0",
        "Fine",
        "http://example.org/t/org/1",
        "FRC13",
        "health",
    ]
    path = _write(tmp_path / "actions.csv", header, other, row)
    with pytest.raises(TabularError) as info:
        convert_file(path)
    err = info.value
    assert (err.row, err.column, err.value) == (3, "themes", "Sante mentale")
    message = str(err)
    assert "row 3" in message and "'themes'" in message and "'Sante mentale'" in message
    assert "mental-health (Mental health / Santé mentale)" in message


@pytest.mark.parametrize(
    ("cells", "column", "expected"),
    [
        ({"start_date": "2024-02-30"}, "start_date", "not a valid calendar date"),
        ({"start_date": "next year"}, "start_date", "not a date"),
        ({"implementers": "org 1"}, "implementers", "not a full IRI"),
        ({"regions": "Bourgogne"}, "regions", "neither a NUTS code"),
        ({"status": "done"}, "status", "unknown action-status concept"),
        ({"themes": "health;;housing"}, "themes", "empty value in a list"),
        ({"implementers": ""}, "implementers", "required value missing"),
        ({"label_en": ""}, None, "at least one of these columns"),
    ],
)
def test_bad_cells_are_reported_with_their_column(tmp_path, cells, column, expected):
    header, row = _action_row(**cells)
    with pytest.raises(TabularError) as info:
        convert_file(_write(tmp_path / "actions.csv", header, row))
    assert info.value.row == 2
    assert info.value.column == column
    assert expected in str(info.value)


def test_header_problems(tmp_path: Path):
    header, row = _action_row()
    with pytest.raises(TabularError, match="does not match any template") as info:
        convert_file(_write(tmp_path / "data.csv", [*header, "colour"], [*row, "blue"]))
    assert info.value.row == 1
    with pytest.raises(TabularError, match="unknown column") as info:
        convert_file(_write(tmp_path / "actions.csv", [*header, "colour"], [*row, "blue"]))
    assert info.value.column == "colour"
    missing = [h for h in header if h != "regions"]
    with pytest.raises(TabularError, match="required column missing") as info:
        convert_file(_write(tmp_path / "actions.csv", missing, row[: len(missing)]))
    assert info.value.column == "regions"
    semicolons = tmp_path / "organisations.csv"
    semicolons.write_text("id;label_en;categories\nhttp://example.org/o;X;funder\n")
    with pytest.raises(TabularError, match="comma-separated"):
        convert_file(semicolons)
    latin1 = tmp_path / "actions.csv"
    latin1.write_bytes(",".join(header).encode() + b"\nhttp://example.org/a,Caf\xe9,,,\n")
    with pytest.raises(TabularError, match="not UTF-8"):
        convert_file(latin1)


def test_convert_command_prints_parsable_turtle():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sira_kg",
            "convert",
            str(resource_dir("templates") / "actions.csv"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    g = Graph().parse(data=out.stdout, format="turtle")
    assert (URIRef(EXAMPLE + "action/language-cafe"), RDF.type, SIRA.Action) in g
    assert len(g) == len(convert_file(resource_dir("templates") / "actions.csv"))


def test_convert_command_other_formats_and_bad_input(tmp_path: Path):
    orgs = str(resource_dir("templates") / "organisations.csv")
    nt = subprocess.run(
        [sys.executable, "-m", "sira_kg", "convert", orgs, "--format", "nt"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(Graph().parse(data=nt.stdout, format="nt")) == len(convert_file(orgs))
    jsonld = subprocess.run(
        [sys.executable, "-m", "sira_kg", "convert", orgs, "--format", "json-ld"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"label"' in jsonld.stdout  # compacted with our context
    header, row = _action_row(status="done")
    bad = _write(tmp_path / "actions.csv", header, row)
    out = subprocess.run(
        [sys.executable, "-m", "sira_kg", "convert", str(bad)], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert out.stdout == ""
    assert "row 2" in out.stderr and "'status'" in out.stderr and "Traceback" not in out.stderr


def test_docs_describe_every_template_and_column():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "templates.md").read_text("utf-8")
    tables = columns_markdown()
    assert tables in docs, "regenerate the tables of docs/templates.md with columns_markdown()"
    for mapping in load_mappings().values():
        assert f"### `{mapping.name}.csv`" in tables
        for column in mapping.columns:
            assert f"| `{column.name}` — " in tables


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_each_template_example_validates(path: Path):
    """Each example conforms, with the other examples as what the store already holds."""
    from sira_kg.core.validation import validate

    others = Graph()
    for other in TEMPLATES:
        if other != path:
            others += convert_file(other)
    report = validate(convert_file(path), context=others)
    assert report.conforms, report.to_text()


def test_a_converted_action_without_its_organisations_is_reported():
    from sira_kg.core.validation import validate

    report = validate(convert_file(resource_dir("templates") / "actions.csv"))
    assert not report.conforms
    assert any(str(r.path) == str(SIRA.implementer) for r in report.violations)


def test_an_amount_without_its_currency_is_an_error_not_euros(tmp_path) -> None:
    """Issue 14: a CSV amount with no currency was silently EUR; now the row is refused."""
    template = resource_dir("templates") / "funding.csv"
    text = template.read_text(encoding="utf-8").replace(",12000.00,EUR,", ",12000.00,,")
    path = tmp_path / "funding.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TabularError) as caught:
        convert_file(path)
    assert caught.value.column == "currency" and caught.value.row == 2
    assert "'amount' is filled in" in str(caught.value)
    kept = text.replace(",12000.00,,", ",12000.00,USD,")
    path.write_text(kept, encoding="utf-8")
    g = convert_file(path)
    assert {str(c) for c in g.objects(None, SCHEMA.currency)} == {"USD"}  # kept as given


def test_every_mistake_of_a_file_comes_in_one_report_with_fixes(tmp_path) -> None:
    """Issue 14: all errors of a file at once (row, column, value, what to do), with a
    did-you-mean for concept labels, instead of the first one only."""
    template = resource_dir("templates") / "actions.csv"
    header, example = template.read_text(encoding="utf-8").splitlines()[:2]
    names = next(csv.reader([header]))
    row = dict(zip(names, next(csv.reader([example])), strict=True))
    bad = [
        dict(row, id="http://example.org/t/a/1", themes="housng"),  # misspelt concept
        dict(row, id="http://example.org/t/a/2", status="finished"),  # not a status
        dict(row, id="http://example.org/t/a/3", start_date="03/2024"),  # wrong date form
        dict(row, id="http://example.org/t/a/4", regions="Saone"),  # neither code nor IRI
    ]
    path = tmp_path / "actions.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=names)
        writer.writeheader()
        writer.writerows(bad)
    with pytest.raises(TabularError) as caught:
        convert_file(path)
    errors = caught.value.errors
    assert [(e.row, e.column) for e in errors] == [
        (2, "themes"),
        (3, "status"),
        (4, "start_date"),
        (5, "regions"),
    ]
    assert "did you mean 'housing'" in errors[0].message
    assert str(caught.value).startswith("4 problem(s)")


def _template_rows(name: str) -> tuple[list[str], dict[str, str]]:
    lines = (resource_dir("templates") / f"{name}.csv").read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([lines[0]]))
    return header, dict(zip(header, next(csv.reader([lines[1]])), strict=True))


def _workbook(path, sheets: dict[str, list[dict[str, str]]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        header, _ = _template_rows(name)
        sheet = book.create_sheet(name)
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(h, "") for h in header])
    book.save(path)


def test_a_three_sheet_workbook_gets_one_report_of_all_its_mistakes(tmp_path) -> None:
    """Issue 14: an .xlsx whose sheets are templates (the sheet name chooses), every
    mistake of every sheet in one report; fixed, it converts."""
    _, org = _template_rows("organisations")
    _, action = _template_rows("actions")
    _, funding = _template_rows("funding")
    bad = {
        "organisations": [
            dict(org, categories="civil socity organisation"),  # misspelt category
            dict(org, id="not an iri"),  # identifier
            dict(org, id=org["id"] + "-2", regions="Saone"),  # neither NUTS code nor IRI
        ],
        "actions": [
            dict(action, themes="housng"),  # misspelt theme
            dict(action, id=action["id"] + "-2", status="finished"),  # unknown status
            dict(action, id=action["id"] + "-3", start_date="03/2024"),  # date form
            dict(action, id=action["id"] + "-4", label_en="", label_fr=""),  # no label
        ],
        "funding": [
            dict(funding, currency=""),  # amount without currency
            dict(funding, id=funding["id"] + "-2", amount="12 000"),  # not a number
            dict(funding, id=funding["id"] + "-3", currency="euro"),  # not ISO 4217
        ],
    }
    path = tmp_path / "partner.xlsx"
    _workbook(path, bad)
    with pytest.raises(TabularError) as caught:
        convert_file(path)
    found = [(e.source.rsplit("[", 1)[1].rstrip("]"), e.row, e.column) for e in caught.value.errors]
    assert len(found) == 10, str(caught.value)
    assert {sheet for sheet, _, _ in found} == {"organisations", "actions", "funding"}
    assert ("funding", 2, "currency") in found and ("actions", 4, "start_date") in found
    assert "did you mean 'civil-society-organisation'" in str(caught.value)
    _workbook(path, {"organisations": [org], "actions": [action], "funding": [funding]})
    graph = convert_file(path)
    assert (URIRef(action["id"]), RDF.type, SIRA.Action) in graph
    assert len(set(graph.subjects(RDF.type, None))) >= 3
