"""`mockserver.diff.lines`: the line of a JSON pointer in a YAML or JSON file."""

from __future__ import annotations

import json
from pathlib import Path

from mockserver.diff.lines import line_index, line_of, read_line_index

_YAML = """\
openapi: 3.1.0
paths:
  /a~b/{id}:
    get:
      parameters:
        - name: q
          in: query
        - {name: r, in: header}
      responses:
        "200": {description: ok}
"""


def test_each_pointer_is_on_the_line_of_its_key_or_item() -> None:
    lines = line_index(_YAML)
    assert lines[""] == 1
    assert lines["/openapi"] == 1
    assert lines["/paths/~1a~0b~1{id}"] == 3
    assert lines["/paths/~1a~0b~1{id}/get/parameters/0"] == 6
    assert lines["/paths/~1a~0b~1{id}/get/parameters/0/in"] == 7
    assert lines["/paths/~1a~0b~1{id}/get/parameters/1/name"] == 8
    assert lines["/paths/~1a~0b~1{id}/get/responses/200/description"] == 10


def test_a_pointer_the_file_lacks_is_on_its_nearest_ancestors_line() -> None:
    lines = line_index(_YAML)
    assert line_of(lines, "/paths/~1a~0b~1{id}/get/responses/200/content/x") == 10
    assert line_of(lines, "/components/schemas/X") == 1
    assert line_of({}, "/paths") is None


def test_json_is_read_too_and_unreadable_files_have_no_lines(tmp_path: Path) -> None:
    document = {"openapi": "3.1.0", "paths": {"/x": {"get": {"responses": {}}}}}
    spec = tmp_path / "api.json"
    spec.write_text(json.dumps(document, indent=2))
    assert read_line_index(spec)["/paths/~1x/get/responses"] == 6
    assert read_line_index(tmp_path / "missing.yaml") == {}
    assert line_index("a: [unclosed") == {}
    assert line_index("") == {}
