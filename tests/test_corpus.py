"""Real-world specs from the npm registry start, and answer every GET without a 5xx, validly.

A seeded sample runs in CI (GitHub's REST description always among it); ``pytest -m corpus``
runs every document of every package (``make corpus`` does the same with a progress line per
failure). The documents are fetched when the test runs, never at collection.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

import corpus.__main__ as corpus_main
import corpus.memory as corpus_memory
from corpus.__main__ import reports as probe_all
from corpus.__main__ import select, summary
from corpus.probe import SpecReport, _Bodies, probe
from corpus.sources import CorpusUnavailable

SAMPLE = int(os.environ.get("CORPUS_SAMPLE", "24"))
JOBS = int(os.environ.get("CORPUS_JOBS", "2"))


def _run(sample: int | None) -> None:
    try:
        paths = select(sample, seed=0)
    except CorpusUnavailable as exc:
        pytest.skip(str(exc))
    # In worker processes as `python -m corpus` runs them: the giants one at a time, each in
    # a process of its own (one needs a gigabyte, and a worker that served it keeps its heap).
    reports: list[SpecReport] = list(probe_all(paths, JOBS))
    print("\n" + summary(reports))
    failed = [
        f"{r.mode} {r.path}: {r.refused or '; '.join(r.failures[:3])}"
        for r in reports
        if not r.passed
    ]
    assert failed == []
    assert all(r.started for r in reports)


@pytest.mark.slow
def test_a_sample_of_real_world_specs_is_served_validly() -> None:
    _run(SAMPLE)


@pytest.mark.corpus
def test_every_real_world_spec_is_served_validly() -> None:
    _run(None)


def test_a_document_with_an_unsatisfiable_parameter_skips_that_operation(tmp_path: Path) -> None:
    # No value satisfies `verse` (an enum its own pattern refuses): no request exists that the
    # operation must accept, so it is skipped; the harness neither fails it nor stops the run.
    verse = {"type": "string", "enum": ["1"], "pattern": "^[a-z]+$"}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/verses/{verse}": {
                "get": {
                    "parameters": [
                        {"name": "verse", "in": "path", "required": True, "schema": verse}
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            },
            "/health": {"get": {"responses": {"200": {"description": "ok"}}}},
        },
    }
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document))
    report = probe(path, stateful=True)
    assert report.passed, report.failures
    assert (report.probed, report.skipped) == (1, 1)


def _write(tmp_path: Path, paths: dict[str, Any]) -> Path:
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths}
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document))
    return path


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    content = {"application/json": {"schema": schema}}
    return {"200": {"description": "ok", "content": content}}


def test_a_path_value_that_is_a_dot_segment_reaches_its_own_operation(tmp_path: Path) -> None:
    # Found by the corpus (Azure's ResourceGroups_Get, a name matching ^[-\w\._\(\)]+$): the
    # name "." was sent as /groups/., which the client turned into /groups, the list.
    name = {"name": "name", "in": "path", "required": True, "schema": {"enum": [".", ".."]}}
    group = {"type": "object", "required": ["location"], "properties": {"location": {}}}
    listing = {"type": "object", "properties": {"value": {"type": "array", "items": group}}}
    path = _write(
        tmp_path,
        {
            "/groups": {"get": {"responses": _ok(listing)}},
            "/groups/{name}": {"get": {"parameters": [name], "responses": _ok(group)}},
        },
    )
    for stateful in (True, False):
        report = probe(path, stateful=stateful)
        assert report.passed, report.failures
        assert report.ok == 2


@pytest.mark.parametrize("media_type", ["multipart/form-data", "application/x-www-form-urlencoded"])
def test_a_get_that_requires_a_form_body_is_sent_one(tmp_path: Path, media_type: str) -> None:
    # Found by the corpus (evemarketer's GET /marketstat/json): a required multipart body was
    # not built, and the mock rightly answered 400.
    form = {
        "type": "object",
        "required": ["typeid", "region"],
        "properties": {
            "typeid": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
            "region": {"type": "integer"},
        },
    }
    body = {"required": True, "content": {media_type: {"schema": form}}}
    get = {"requestBody": body, "responses": _ok({"type": "object"})}
    path = _write(tmp_path, {"/stats": {"get": get}})
    report = probe(path, stateful=False)
    assert report.passed, report.failures
    assert (report.probed, report.ok) == (1, 1)


def test_a_get_that_requires_a_body_of_another_kind_is_unprobeable(tmp_path: Path) -> None:
    body = {"required": True, "content": {"application/octet-stream": {"schema": {}}}}
    get = {"requestBody": body, "responses": _ok({"type": "object"})}
    report = probe(_write(tmp_path, {"/blob": {"get": get}}), stateful=False)
    assert report.passed, report.failures
    assert report.skipped == 1
    assert "application/octet-stream" in report.unprobeable[0]


@pytest.mark.parametrize("location", ["path", "query"])
def test_a_parameter_is_never_sent_empty(tmp_path: Path, location: str) -> None:
    # Found by the corpus: Getty Images' board_id (nullable) was sent as /v3/boards/, the list;
    # VTEX's required keyword (example "") was sent empty, which allowEmptyValue refuses.
    empty = {"type": "string", "example": ""}
    param = {"name": "id", "in": location, "required": True, "schema": empty}
    board = {"type": "object", "additionalProperties": False, "properties": {"name": {}}}
    boards = {"type": "object", "properties": {"boards": {"type": "array", "items": board}}}
    template = "/boards/{id}" if location == "path" else "/board"
    path = _write(
        tmp_path,
        {
            "/boards": {"get": {"responses": _ok(boards)}},
            template: {"get": {"parameters": [param], "responses": _ok(board)}},
        },
    )
    report = probe(path, stateful=False)
    assert report.passed, report.failures
    assert report.ok == 2


def test_a_schema_whose_type_is_no_type_name_is_not_judged() -> None:
    # Found by the corpus (codat.io: a property's schema written without `properties`): the
    # jsonschema package raised UnknownType and the whole run stopped.
    kind = {"$ref": "#/components/schemas/Kind"}
    item = {"type": "object", "required": ["kind"], "properties": {"kind": kind}}
    broken = {"type": {"type": "string", "enum": ["a", "b"]}}
    bodies = _Bodies({"components": {"schemas": {"Item": item, "Kind": broken}}})
    assert bodies.problem(item, "/components/schemas/Item", {"kind": ""}) is None
    assert bodies.problem(item, "/components/schemas/Item", {}) is not None


def test_the_run_logs_each_report_and_probes_giants_in_a_process_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    small = _write(tmp_path, {"/health": {"get": {"responses": {"200": {"description": "ok"}}}}})
    giant = tmp_path / "giant.json"
    giant.write_text(small.read_text().replace("/health", "/giant") + " " * 64)
    monkeypatch.setattr(corpus_main, "GIANT", small.stat().st_size)
    log = tmp_path / "log.jsonl"
    assert corpus_main.main([str(giant), str(small), "--jobs", "1", "--log", str(log)]) == 0
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    # The giant comes last, after the others, in both modes.
    assert [(Path(r["path"]).name, r["mode"]) for r in lines] == [
        ("doc.json", "stateful"),
        ("doc.json", "stateless"),
        ("giant.json", "stateful"),
        ("giant.json", "stateless"),
    ]
    assert all(r["ok"] == 1 for r in lines)
    assert "2 documents in" in capsys.readouterr().out


def test_the_memory_figure_counts_the_gets_answered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    get = {"get": {"responses": _ok({"type": "integer"})}}
    path = _write(tmp_path, {f"/p{i}": get for i in range(3)})
    assert corpus_memory.main([str(path), "2"]) == 0
    assert "after 2 GETs (0 answered 5xx)" in capsys.readouterr().out


@pytest.mark.parametrize(("kinds", "skipped"), [(["zones"], 1), (["zones", "rssizones"], 0)])
def test_a_path_whose_values_make_it_another_operations_is_built_again(
    tmp_path: Path, kinds: list[str], skipped: int
) -> None:
    # Found by the corpus (mist.com's countSiteZoneSessions): `/sites/{site}/{kind}/count`
    # with kind `zones` is `/sites/{site}/zones/{zone}`'s, whose zone "count" is no uuid. Other
    # values are tried; with none other, no request reaches the operation: skipped.
    site = {"name": "site", "in": "path", "required": True, "schema": {"type": "string"}}
    zone = {"name": "zone", "in": "path", "required": True, "schema": {"format": "uuid"}}
    kind = {"name": "kind", "in": "path", "required": True, "schema": {"enum": kinds}}
    count = {"parameters": [site, kind], "responses": _ok({"type": "integer"})}
    read = {"parameters": [site, zone], "responses": _ok({"type": "object"})}
    path = _write(
        tmp_path,
        {"/sites/{site}/zones/{zone}": {"get": read}, "/sites/{site}/{kind}/count": {"get": count}},
    )
    report = probe(path, stateful=False)
    assert report.passed, report.failures
    assert (report.probed, report.skipped) == (2 - skipped, skipped)


def test_a_body_valid_only_with_formats_asserted_is_reported_as_the_specs_ambiguity(
    tmp_path: Path,
) -> None:
    # Found by the corpus (sinao.app): a string under `oneOf` of `format: uri` and `format:
    # binary`. The mock asserts formats, so a non-URI string is valid under one branch; read
    # as annotations, every string is valid under both. Said apart, neither passed nor failed.
    image = {"oneOf": [{"type": "string", "format": "binary"}, {"type": "string", "format": "uri"}]}
    path = _write(tmp_path, {"/image": {"get": {"responses": _ok(image)}}})
    report = probe(path, stateful=False)
    assert report.passed, report.failures
    assert (report.ok, len(report.ambiguous)) == (0, 1)
    assert "valid only with `format` asserted" in report.ambiguous[0]
    assert "1 valid only with `format` asserted" in summary([report])


def test_a_body_invalid_under_either_reading_of_format_still_fails() -> None:
    image = {"oneOf": [{"type": "string", "format": "binary"}, {"type": "string", "format": "uri"}]}
    bodies = _Bodies({"components": {"schemas": {"Image": image}}})
    pointer = "/components/schemas/Image"
    assert bodies.problem(image, pointer, "not a uri") is not None
    assert bodies.valid_with_formats(pointer, "not a uri")
    assert not bodies.valid_with_formats(pointer, 3)


def test_the_summary_counts_each_5xx_however_long_the_operations_label() -> None:
    # Graph beta's labels run past 80 characters: a 500 there was counted as no 5xx at all.
    report = SpecReport("graph-beta.json", "stateful", probed=3, ok=1)
    label = (
        "identityGovernance.privilegedAccess.GetGroup"
        " (GET /identityGovernance/privilegedAccess/group)"
    )
    report.fail(label, '500 {"type": "about:blank"}')
    report.fail("listPets (GET /pets)", "200 body is not JSON: <html>")
    assert report.server_errors == 1
    assert "1/3 GET answers passed" in summary([report])
    assert "1 answered 5xx" in summary([report])
