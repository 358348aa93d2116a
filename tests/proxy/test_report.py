"""The violation report: counted per operation, written as JSON and JUnit."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import orjson

from mockserver.proxy.report import UNDECLARED, ViolationReport

_VIOLATION = {"in": "response", "field": "body.name", "code": "required", "message": "gone"}


def _report() -> ViolationReport:
    report = ViolationReport(
        "http://up", [("getA", "getA (GET /a)"), ("getB", "getB (GET /b)"), ("getC", "getC")]
    )
    report.add("getA", "getA (GET /a)", [_VIOLATION], exchange=3)
    report.add("getA", "getA (GET /a)", [_VIOLATION], exchange=4)
    report.add("getB", "getB (GET /b)", [], exchange=5)
    report.add_failure("getC", "getC", "timeout")
    report.add_mocked("getD", "getD")
    report.add(None, None, [{**_VIOLATION, "field": "path", "code": "no_such_path"}], 6)
    return report


def test_report_counts_each_distinct_violation_once_with_its_repeats() -> None:
    report = _report()
    assert report.violation_count == 3
    assert report.exchange_count == 4
    data = report.to_json()
    (a,) = [op for op in data["operations"] if op["operation"] == "getA"]
    assert a["violations"] == [{**_VIOLATION, "count": 2, "firstExchange": 3}]
    (c,) = [op for op in data["operations"] if op["operation"] == "getC"]
    assert c["upstreamFailures"] == {"timeout": 1}
    assert UNDECLARED in {op["operation"] for op in data["operations"]}


def test_report_junit_has_one_case_per_operation() -> None:
    suite = ElementTree.fromstring(_report().to_junit())
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"getA", "getB", "getC", "getD", UNDECLARED}
    assert (suite.get("tests"), suite.get("failures")) == ("5", "2")
    assert (suite.get("errors"), suite.get("skipped")) == ("1", "1")
    failure = cases["getA"].find("failure")
    assert failure is not None
    assert "body.name [required]: gone (seen 2x, first in journal entry 3)" in (failure.text or "")
    assert cases["getB"].find("*") is None  # passed
    error = cases["getC"].find("error")
    assert error is not None
    assert "timeout x1" in (error.get("message") or "")
    skipped = cases["getD"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "answered by the mock"


def test_report_writes_both_files(tmp_path: Path) -> None:
    report = _report()
    report.write(json_path=tmp_path / "a" / "v.json", junit_path=tmp_path / "j.xml")
    assert orjson.loads((tmp_path / "a" / "v.json").read_bytes())["violations"] == 3
    assert ElementTree.parse(tmp_path / "j.xml").getroot().tag == "testsuite"
    report.write()  # nothing asked, nothing written
