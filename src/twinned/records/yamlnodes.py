"""Reading YAML as located nodes: every value keeps its file and line, so each
problem can be reported as ``file:line: field: what was expected``.

All scalars are text (``1996`` stays ``"1996"``); anchors and aliases are refused
(no YAML bombs); duplicate keys are reported instead of silently overwritten. A file
is bounded before it is read into nodes: its size, how many values it holds and how
deeply they nest, so no input can make the loader run for minutes or overflow the stack.
Text values may not hold control characters or unpaired surrogates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from twinned.errors import Problem

MAX_FILE_BYTES = 1_000_000
MAX_SCALAR_CHARS = 20_000
MAX_KEY_CHARS = 200
MAX_NODES = 50_000  # values (scalars, mappings, lists) in one file
MAX_DEPTH = 32  # levels of nested mappings and lists
# C0 controls other than tab, line feed and carriage return; DEL; C1; unpaired surrogates
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def brief(value: str, limit: int = 60) -> str:
    """A value quoted for a message, cut short when it is long."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value)} characters)"


@dataclass(frozen=True)
class Node:
    """A YAML node with where it came from."""

    raw: yaml.Node
    file: str
    field: str

    @property
    def line(self) -> int:
        return self.raw.start_mark.line + 1

    @property
    def is_empty_list(self) -> bool:
        return isinstance(self.raw, yaml.SequenceNode) and not self.raw.value

    def problem(self, message: str, field: str | None = None) -> Problem:
        return Problem(self.file, self.line, field or self.field or "file", message)


class Reader:
    """Collects problems while a record file is read; never stops at the first."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    # -- parsing ---------------------------------------------------------------

    def parse(self, path: Path) -> Node | None:
        """Parse one file into its root node, or record why it cannot be read."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.add(Problem(self.file, 0, "file", f"a readable file ({exc.strerror})"))
            return None
        if len(data) > MAX_FILE_BYTES:
            self.add(Problem(self.file, 1, "file", f"at most {MAX_FILE_BYTES} bytes, not {len(data)}"))
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.add(Problem(self.file, line, "file", f"UTF-8 text (byte {data[exc.start]:#04x} is not)"))
            return None
        try:
            if not self._bounded(text):
                return None
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as NUL
            line = text[: exc.position].count("\n") + 1
            self.add(Problem(self.file, line, "yaml",
                             f"printable text (U+{exc.character:04X} is not allowed in YAML)"))
            return None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 0
            self.add(Problem(self.file, line, "yaml", f"valid YAML ({exc.problem or exc})"))
            return None
        except yaml.YAMLError as exc:
            self.add(Problem(self.file, 0, "yaml", f"valid YAML ({exc})"))
            return None
        if root is None:
            self.add(Problem(self.file, 1, "file", "a YAML mapping, not an empty file"))
            return None
        return Node(root, self.file, "")

    def _bounded(self, text: str) -> bool:
        """Scan the events once: no anchors or aliases, at most MAX_NODES values nested
        at most MAX_DEPTH deep (the scan stops at the first excess)."""
        nodes = depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                self.add(Problem(self.file, line, "yaml",
                                 "no anchors or aliases (&name, *name): write values out"))
                return False
            tag: str | None = getattr(event, "tag", None)
            if tag is not None:
                self.add(Problem(self.file, line, "yaml",
                                 f"no YAML tags (such as {brief(tag)}): write plain values"))
                return False
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > MAX_NODES:
                    self.add(Problem(self.file, line, "yaml", f"at most {MAX_NODES} values in one file"))
                    return False
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    self.add(Problem(self.file, line, "yaml",
                                     f"at most {MAX_DEPTH} levels of nested mappings and lists"))
                    return False
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return True

    # -- shape checks ----------------------------------------------------------

    def mapping(
        self,
        node: Node,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
        open_keys: bool = False,
    ) -> dict[str, Node] | None:
        """The mapping's entries by key; unknown, duplicate and missing keys are problems."""
        if not isinstance(node.raw, yaml.MappingNode):
            keys = ", ".join(required + optional)
            self.add(node.problem(f"a mapping with keys {keys}" if keys else "a mapping"))
            return None
        out: dict[str, Node] = {}
        allowed = set(required) | set(optional)
        for key_raw, value_raw in node.raw.value:
            key = key_raw.value if isinstance(key_raw, yaml.ScalarNode) else None
            field = f"{node.field}.{key}" if node.field else str(key)
            if key is None or len(key) > MAX_KEY_CHARS:
                self.add(Problem(self.file, key_raw.start_mark.line + 1, node.field or "key",
                                 f"a plain text key of at most {MAX_KEY_CHARS} characters"))
                continue
            if key in out:
                self.add(Problem(self.file, key_raw.start_mark.line + 1, field,
                                 f"a key given once (also on line {out[key].line})"))
                continue
            if not open_keys and key not in allowed:
                self.add(Problem(self.file, key_raw.start_mark.line + 1, field,
                                 f"one of the keys {', '.join(sorted(allowed))}"))
                continue
            out[key] = Node(value_raw, self.file, field)
        for key in required:
            if key not in out:
                self.add(node.problem(f"the required key '{key}'", f"{node.field}.{key}".lstrip(".")))
        return out

    def sequence(self, node: Node) -> Iterator[Node]:
        if not isinstance(node.raw, yaml.SequenceNode):
            self.add(node.problem("a list"))
            return
        for i, item in enumerate(node.raw.value):
            yield Node(item, self.file, f"{node.field}[{i}]")

    def text(self, node: Node, max_chars: int = MAX_SCALAR_CHARS) -> str | None:
        if not isinstance(node.raw, yaml.ScalarNode):
            self.add(node.problem("a text value"))
            return None
        value = str(node.raw.value)
        if node.raw.tag == "tag:yaml.org,2002:null" and node.raw.style is None and value in ("", "~", "null"):
            self.add(node.problem("a value, not an empty one"))
            return None
        if len(value) > max_chars:
            self.add(node.problem(f"at most {max_chars} characters, not {len(value)}"))
            return None
        bad = _CONTROL.search(value)
        if bad:
            what = "unpaired surrogates" if "\ud800" <= bad.group() <= "\udfff" else "control characters"
            self.add(node.problem(f"text without {what} (U+{ord(bad.group()):04X} at character "
                                  f"{bad.start() + 1})"))
            return None
        if not value.strip():
            self.add(node.problem("a value, not an empty one"))
            return None
        return value
