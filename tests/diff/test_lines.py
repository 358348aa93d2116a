"""`mockserver.diff.lines`: the line of a JSON pointer in a YAML or JSON file."""

from __future__ import annotations

import json
from pathlib import Path

from mockserver.diff.lines import LineIndex, line_index, read_line_index

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
    assert lines.line_of("") == 1
    assert lines.line_of("/openapi") == 1
    assert lines.line_of("/paths/~1a~0b~1{id}") == 3
    assert lines.line_of("/paths/~1a~0b~1{id}/get/parameters/0") == 6
    assert lines.line_of("/paths/~1a~0b~1{id}/get/parameters/0/in") == 7
    assert lines.line_of("/paths/~1a~0b~1{id}/get/parameters/1/name") == 8
    assert lines.line_of("/paths/~1a~0b~1{id}/get/responses/200/description") == 10


def test_a_pointer_the_file_lacks_is_on_its_deepest_ancestors_line() -> None:
    lines = line_index(_YAML)
    assert lines.line_of("/paths/~1a~0b~1{id}/get/responses/200/content/x") == 10
    assert lines.line_of("/paths/~1a~0b~1{id}/get/parameters/7") == 5
    assert lines.line_of("/paths/~1a~0b~1{id}/get/parameters/x") == 5
    assert lines.line_of("/openapi/x") == 1
    assert lines.line_of("/components/schemas/X") == 1
    assert LineIndex(None).line_of("/paths") is None


def test_json_is_read_too_and_unreadable_files_have_no_lines(tmp_path: Path) -> None:
    document = {
        "openapi": "3.1.0",
        "paths": {"/x": {"get": {"responses": {}}}},
        "tags": [{"name": "a"}, {"name": 'b\\"c'}],
        "n": [1, 2],
    }
    spec = tmp_path / "api.json"
    spec.write_text(json.dumps(document, indent=2))
    wanted = ["/paths/~1x/get/responses", "/tags/1/name", "/n/1", "/none/x"]
    lines = read_line_index(spec, wanted)
    assert lines.line_of("/paths/~1x/get/responses") == 6
    assert lines.line_of("/tags/1") == 14  # an item: the line of its opening brace
    assert lines.line_of("/tags/1/name") == 15
    assert lines.line_of("/n/1") == 18  # a number item: its array's line
    assert lines.line_of("/none/x") == 1
    assert read_line_index(spec).line_of("/paths") == 1  # only the wanted pointers are known
    assert line_index('{"a": [1, }').line_of("") is None
    assert read_line_index(tmp_path / "missing.yaml").line_of("") is None
    assert line_index("a: [unclosed").line_of("") is None
    assert line_index("").line_of("") is None
