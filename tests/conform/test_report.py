"""The report: each divergence's requests with both answers, a curl script, JUnit XML."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from mockserver.conform.compare import Divergence
from mockserver.conform.execute import Exchange, Outcome
from mockserver.conform.report import curl_script, format_result, junit_xml
from mockserver.conform.search import Finding, SearchResult
from mockserver.conform.sides import Answer, Request
from mockserver.conform.steps import Call, Program

PID = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
MID = "11111111-1111-4111-8111-111111111111"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw"
JSON = {"content-type": "application/json"}


def _outcome() -> Outcome:
    register = Request(
        "POST", "/auth/login", body={"email": "conform-abc123-u0@example.com", "password": "p"},
        has_body=True, user=0,
    )  # fmt: skip
    login = Answer(200, JSON, {"tokens": {"accessToken": TOKEN, "tokenType": "Bearer"}})
    auth = (("Authorization", f"Bearer {TOKEN}"),)
    create = Request("POST", "/projects", (), auth, {"name": 'say "hi" $HOME'}, True, 0)
    created = Answer(201, JSON, {"id": PID, "name": 'say "hi" $HOME'})
    read = Request("GET", f"/projects/{PID}", (("q", "x"),), auth, None, False, 1)
    exchanges = [
        Exchange(0, "loginUser", register, login, register, login),
        Exchange(0, "createProject", create, Answer(201, JSON, {"id": MID}), create, created),
        Exchange(1, "getProject", read, Answer(403, JSON, {"code": "forbidden"}), read,
                 Answer(200, JSON, {"id": PID, "note": "x" * 400})),
    ]  # fmt: skip
    divergence = Divergence("status", "getProject", "", "403 forbidden", "200", 1, 2)
    program: Program = [Call("createProject"), Call("getProject", user=1)]
    return Outcome(program, exchanges, [divergence], "/api/v1")


def _result() -> SearchResult:
    outcome = _outcome()
    finding = Finding(outcome.divergences[0], outcome, True)
    return SearchResult([finding], programs=12, requests=80, seconds=3.25)


def test_the_curl_script_captures_ids_and_tokens_from_earlier_answers() -> None:
    script = curl_script(_outcome(), provider_url="http://127.0.0.1:8000/", title="t")
    assert script.startswith("#!/bin/sh\n# t\n")
    assert 'BASE="${BASE:-http://127.0.0.1:8000}"' in script
    assert "conform-${RUN}-u0@example.com" in script
    assert "V1=$(jq -r '.tokens.accessToken' \"$OUT/r1.json\")" in script
    assert "V2=$(jq -r '.id' \"$OUT/r2.json\")" in script
    assert '-X GET "$BASE/api/v1/projects/${V2}?q=x" -H "Authorization: Bearer ${V1}"' in script
    assert '\\"say \\\\\\"hi\\\\\\" \\$HOME\\"' in script  # JSON quoted for the shell
    assert PID not in script
    assert TOKEN not in script


def test_the_report_shows_each_request_with_both_answers() -> None:
    text = format_result(_result(), provider_url="http://127.0.0.1:8000")
    assert text.startswith(
        "DIVERGENCE 1 of 1: status of getProject: the mock answered 403 forbidden, "
        "the provider 200\n  shortest program: 2 step(s), 3 request(s)\n"
    )
    assert "  step 1: user 1: getProject (record 0, variant 0)" in text
    assert f"#3 user 1 GET /api/v1/projects/{PID}?q=x  <-- differs" in text
    assert '       mock:     403 {"code":"forbidden"}' in text
    assert "    #2 user 0 POST /api/v1/projects " in text
    assert "-> mock 201, provider 201" in text  # a request on the way, in short
    assert text.count("...") == 1  # the long answer is cut
    assert text.endswith(
        "mockserver conform: 1 divergence(s) in 12 programs, 80 requests to each server, 3.2 s"
    )


def test_a_finding_not_run_again_says_so() -> None:
    result = _result()
    for repeated, note in ((None, "out of time"), (False, "deterministic")):
        result.findings[0] = Finding(result.findings[0].divergence, _outcome(), repeated)
        assert note in format_result(result, provider_url="http://p")
    result.timed_out = True
    assert "time limit reached" in format_result(result, provider_url="http://p")


def test_junit_has_a_failing_case_per_divergence_or_one_passing_case() -> None:
    suite = ET.fromstring(junit_xml(_result(), provider_url="http://p"))
    assert suite.get("failures") == "1"
    [case] = suite.findall("testcase")
    assert case.get("name") == "status getProject "
    failure = case.find("failure")
    assert failure is not None
    assert "curl" in (failure.text or "")
    clean = ET.fromstring(junit_xml(SearchResult(programs=3, requests=9), provider_url="http://p"))
    assert clean.get("failures") == "0"
    assert [c.get("name") for c in clean.findall("testcase")] == [
        "3 programs, 9 requests: no divergence"
    ]
