"""The limit options: one definition for every server's command line."""

from __future__ import annotations

import argparse
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from httpguard import Limits, add_limit_options, limits_from_args, positive_number

OPTIONS = [
    "--max-body-bytes",
    "--max-json-depth",
    "--max-header-bytes",
    "--max-query-params",
    "--header-timeout",
    "--body-timeout",
    "--shutdown-timeout",
]


def make_parser(defaults: Limits | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="serve")
    add_limit_options(parser, defaults=defaults or Limits())
    return parser


@pytest.mark.parametrize("body", [1024 * 1024, 10 * 1024 * 1024], ids=["provider", "mock"])
def test_limit_options_default_to_the_limits_they_are_given(body: int) -> None:
    defaults = Limits(max_body_bytes=body)
    args = make_parser(defaults).parse_args([])
    assert limits_from_args(args) == defaults
    assert args.shutdown_timeout == 30.0


def test_limit_options_become_limits() -> None:
    args = make_parser().parse_args(
        ["--max-body-bytes", "2048", "--max-json-depth", "8", "--max-header-bytes", "4096",
         "--max-query-params", "20", "--header-timeout", "1.5", "--body-timeout", "2",
         "--shutdown-timeout", "3"]
    )  # fmt: skip
    assert limits_from_args(args) == Limits(
        max_body_bytes=2048,
        max_json_depth=8,
        max_header_bytes=4096,
        max_query_params=20,
        header_timeout=1.5,
        body_timeout=2.0,
    )
    assert args.shutdown_timeout == 3.0


def test_limit_options_help_says_what_each_counts_and_its_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        make_parser(Limits(max_body_bytes=10 * 1024 * 1024)).parse_args(["--help"])
    out = " ".join(capsys.readouterr().out.split())  # as argparse wraps it: any width
    assert "what one request may cost (see README)" in out
    for option in OPTIONS:
        assert option in out
    assert "bytes (default: 10485760)" in out
    assert "seconds to send the headers (default: 10.0)" in out
    assert "on SIGTERM, seconds in-flight requests get to finish (default: 30.0)" in out


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("text", ["0", "-3", "nan", "inf", "many"])
def test_limit_options_refuse_what_is_not_a_positive_number(
    option: str, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        make_parser().parse_args([option, text])
    assert exited.value.code == 2
    assert f"got {text!r}" in capsys.readouterr().err


@given(text=st.text(max_size=12) | st.from_regex(r"\A-?[0-9]{1,4}(\.[0-9])?\Z"))
def test_positive_number_answers_a_positive_finite_number_or_a_usage_error(text: str) -> None:
    for kind in (int, float):
        parse = positive_number(kind)
        try:
            value = parse(text)
        except argparse.ArgumentTypeError:
            with pytest.raises(argparse.ArgumentTypeError, match=f"got {re.escape(repr(text))}$"):
                parse(text)
        else:
            assert isinstance(value, kind)
            assert 0 < value < math.inf
