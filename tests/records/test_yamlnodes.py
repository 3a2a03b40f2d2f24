"""Located YAML nodes (twinned.records.yamlnodes): every problem says file, line, field and
what was expected; bombs, tags, deep nesting, big files and control characters are refused
before or while nodes are built."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from twinned.records import yamlnodes as yn
from twinned.records.yamlnodes import Node, Reader


def parse(tmp_path: Path, text: str | bytes) -> tuple[Reader, Node | None]:
    path = tmp_path / "city.yaml"
    if isinstance(text, str):
        path.write_text(text, "utf-8")
    else:
        path.write_bytes(text)
    reader = Reader("data/cities/city.yaml")
    return reader, reader.parse(path)


def messages(reader: Reader) -> list[str]:
    return [str(p) for p in reader.problems]


def test_values_keep_their_line_and_field(tmp_path: Path) -> None:
    reader, root = parse(tmp_path, "city: kosice\nsince: 1996\npartners:\n  - wuppertal\n  - cottbus\n")
    assert root is not None
    entries = reader.mapping(root, required=("city", "partners"), optional=("since",))
    assert entries is not None and set(entries) == {"city", "since", "partners"}
    assert reader.text(entries["since"]) == "1996"  # all scalars are text
    items = list(reader.sequence(entries["partners"]))
    assert [reader.text(n) for n in items] == ["wuppertal", "cottbus"]
    assert [(n.line, n.field) for n in items] == [(4, "partners[0]"), (5, "partners[1]")]
    assert str(items[1].problem("a known place")) == "data/cities/city.yaml:5: partners[1]: a known place"
    assert reader.problems == []


def test_every_key_problem_is_reported_not_only_the_first(tmp_path: Path) -> None:
    reader, root = parse(tmp_path, "city: a\ncolour: red\ncity: b\n")
    assert root is not None
    entries = reader.mapping(root, required=("city", "partners"))
    assert entries is not None and reader.text(entries["city"]) == "a"
    assert messages(reader) == [
        "data/cities/city.yaml:2: colour: one of the keys city, partners",
        "data/cities/city.yaml:3: city: a key given once (also on line 1)",
        "data/cities/city.yaml:1: partners: the required key 'partners'",
    ]


def test_open_keys_and_nested_fields(tmp_path: Path) -> None:
    reader, root = parse(tmp_path, "names:\n  sk: Košice\n  de: Kaschau\n")
    assert root is not None
    top = reader.mapping(root, required=("names",))
    assert top is not None
    names = reader.mapping(top["names"], open_keys=True)
    assert names is not None and names["de"].field == "names.de" and names["de"].line == 3


def test_a_list_is_not_a_mapping_and_a_list_is_not_text(tmp_path: Path) -> None:
    reader, root = parse(tmp_path, "- a\n- b\n")
    assert root is not None and reader.mapping(root, required=("city",)) is None
    assert messages(reader) == ["data/cities/city.yaml:1: file: a mapping with keys city"]
    reader, root = parse(tmp_path, "city: [a, b]\n")
    assert root is not None
    entries = reader.mapping(root, required=("city",))
    assert entries is not None and reader.text(entries["city"]) is None
    assert messages(reader) == ["data/cities/city.yaml:1: city: a text value"]


def test_a_scalar_is_not_a_list(tmp_path: Path) -> None:
    reader, root = parse(tmp_path, "partners: wuppertal\n")
    assert root is not None
    entries = reader.mapping(root, required=("partners",))
    assert entries is not None and list(reader.sequence(entries["partners"])) == []
    assert messages(reader) == ["data/cities/city.yaml:1: partners: a list"]


@pytest.mark.parametrize(("value", "expected"), [
    ("", "a value, not an empty one"),
    ("~", "a value, not an empty one"),
    ("'   '", "a value, not an empty one"),
    ('"bell\\a"', "text without control characters (U+0007 at character 5)"),
    ('"half \\ud800 a pair"', "text without unpaired surrogates (U+D800 at character 6)"),
    ("x" * 30, "at most 20 characters, not 30"),
])
def test_bad_text(tmp_path: Path, value: str, expected: str) -> None:
    reader, root = parse(tmp_path, f"title: {value}\n")
    assert root is not None
    entries = reader.mapping(root, required=("title",))
    assert entries is not None
    assert reader.text(entries["title"], max_chars=20) is None
    assert messages(reader) == [f"data/cities/city.yaml:1: title: {expected}"]


def test_a_quoted_empty_looking_value_is_text(tmp_path: Path) -> None:
    reader, root = parse(tmp_path, "title: 'null'\n")
    assert root is not None
    entries = reader.mapping(root, required=("title",))
    assert entries is not None and reader.text(entries["title"]) == "null"


@pytest.mark.parametrize(("text", "expected"), [
    ("a: &x [1]\nb: *x\n", "data/cities/city.yaml:1: yaml: no anchors or aliases (&name, *name): write values out"),
    ("a: !!python/name:os.system x\n",
     "data/cities/city.yaml:1: yaml: no YAML tags (such as 'tag:yaml.org,2002:python/name:os.system'): "
     "write plain values"),
    ("a: [\n", "data/cities/city.yaml:2: yaml: valid YAML"),
    ("a: 1\n\x00\n", "data/cities/city.yaml:2: yaml: printable text (U+0000 is not allowed in YAML)"),
    ("", "data/cities/city.yaml:1: file: a YAML mapping, not an empty file"),
    (b"city: Ko\xa8ice\n", "data/cities/city.yaml:1: file: UTF-8 text (byte 0xa8 is not)"),
])
def test_refused_before_any_node_is_built(tmp_path: Path, text: str | bytes, expected: str) -> None:
    reader, root = parse(tmp_path, text)
    assert root is None
    assert len(reader.problems) == 1 and str(reader.problems[0]).startswith(expected)


def test_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = "a: " + "[" * (yn.MAX_DEPTH + 1) + "]" * (yn.MAX_DEPTH + 1) + "\n"
    reader, root = parse(tmp_path, deep)
    assert root is None and messages(reader) == [
        f"data/cities/city.yaml:1: yaml: at most {yn.MAX_DEPTH} levels of nested mappings and lists"]
    monkeypatch.setattr(yn, "MAX_NODES", 5)
    reader, root = parse(tmp_path, "a: [1, 2, 3, 4, 5]\n")
    assert root is None and messages(reader) == ["data/cities/city.yaml:1: yaml: at most 5 values in one file"]
    monkeypatch.setattr(yn, "MAX_FILE_BYTES", 10)
    reader, root = parse(tmp_path, "city: kosice\n")
    assert root is None and messages(reader) == ["data/cities/city.yaml:1: file: at most 10 bytes, not 13"]


def test_an_unreadable_file(tmp_path: Path) -> None:
    reader = Reader("data/cities/gone.yaml")
    assert reader.parse(tmp_path / "gone.yaml") is None
    assert messages(reader) == ["data/cities/gone.yaml:0: file: a readable file (No such file or directory)"]


def test_brief_cuts_long_values() -> None:
    assert yn.brief("short") == "'short'"
    assert yn.brief("x" * 100, limit=5) == "'xxxxx'... (100 characters)"


def test_empty_list() -> None:
    assert Node(yaml.compose("[]"), "f", "partners").is_empty_list
    assert not Node(yaml.compose("[a]"), "f", "partners").is_empty_list
    assert not Node(yaml.compose("a"), "f", "partners").is_empty_list
