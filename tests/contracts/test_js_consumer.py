"""The JavaScript consumer (``contracts/js/``): its pact-js tests pass, and the committed pact
is what they generate.

``npm test`` there drives the fetch-based client against Pact's mock server, one interaction
per test, and writes ``platform-web-js-platform-api.json``; here it writes into ``tmp_path``
(``PACT_DIR``) and the result is compared with the committed file, as
`tests.contracts.test_consumer` does for the Python consumer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.contracts.pacts import PACTS, normalized

pytestmark = pytest.mark.slow

JS = PACTS.parent / "js"
JS_PACT = "platform-web-js-platform-api.json"
NO_NPM = "npm not found: install Debian's nodejs and npm (`apt-get install -y nodejs npm`)"


@pytest.fixture(scope="module")
def npm() -> str:
    """npm, with contracts/js/'s locked dependencies installed (`npm ci` when missing)."""
    found = shutil.which("npm")
    assert found is not None, NO_NPM
    if not (JS / "node_modules" / "@pact-foundation" / "pact").is_dir():
        ci = [found, "ci", "--no-audit", "--no-fund", "--prefer-offline"]
        done = subprocess.run(ci, cwd=JS, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"`npm ci` in contracts/js failed:\n{done.stderr}"
    return found


def _npm_test(npm: str, pacts: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PACT_DIR": str(pacts)}
    return subprocess.run(
        [npm, "test"], cwd=JS, env=env, capture_output=True, text=True, timeout=600
    )


def test_the_committed_js_pact_is_what_the_js_consumer_tests_generate(
    npm: str, tmp_path: Path
) -> None:
    done = _npm_test(npm, tmp_path)
    assert done.returncode == 0, f"`npm test` in contracts/js failed:\n{done.stdout}\n{done.stderr}"
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [JS_PACT]
    generated = normalized(tmp_path / JS_PACT)
    assert generated["consumer"] == {"name": "platform-web-js"}
    assert generated == normalized(PACTS / JS_PACT), (
        f"contracts/pacts/{JS_PACT} differs from what contracts/js's tests generate: "
        "run `make pacts` to regenerate it and commit the result"
    )


def test_a_client_that_breaks_the_contract_fails_the_js_consumer_tests(
    npm: str, tmp_path: Path
) -> None:
    # A planted fault: the client sends the wrong method for one call. Pact's mock server
    # answers it with a mismatch, so `npm test` fails and writes no pact for that test.
    broken = tmp_path / "js"
    shutil.copytree(JS, broken, symlinks=True, ignore=shutil.ignore_patterns("node_modules"))
    (broken / "node_modules").symlink_to(JS / "node_modules", target_is_directory=True)
    client = broken / "src" / "client.js"
    source = client.read_text()
    faulty = source.replace("#json('PATCH', `/sessions/", "#json('PUT', `/sessions/")
    assert faulty != source
    client.write_text(faulty)
    env = {**os.environ, "PACT_DIR": str(tmp_path / "pacts")}
    done = subprocess.run(
        [npm, "test"], cwd=broken, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode != 0
    assert "an idle tab marks its session idle" in done.stdout
