"""The error hierarchies drawn in the docstrings of errors.py and httperrors.py are the
real ones: every module of the package is imported, and each drawn tree is compared with
the classes' ``__subclasses__()`` (recursively), with the module named in brackets, the
HTTP statuses and the exit codes the drawing gives. A failure shows a diff."""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType

import pytest

import twinned
from twinned import errors, httperrors

LINE = re.compile(r"^    (?P<bars>(?:│   |    )*)(?P<branch>[├└]── )?(?P<name>[A-Z]\w*)(?P<note>.*)$")


@dataclass(frozen=True)
class Drawn:
    """One class as a docstring draws it: its path from the root and the note after it."""

    path: tuple[str, ...]
    note: str


def import_every_module() -> list[str]:
    """Every module of the package, imported (``__main__`` modules would run the CLI)."""
    names = [m.name for m in pkgutil.walk_packages(twinned.__path__, "twinned.")
             if m.name.rsplit(".", 1)[-1] != "__main__"]
    for name in names:
        importlib.import_module(name)
    return names


def drawn_tree(doc: str) -> list[Drawn]:
    """The class tree drawn (four spaces in, box-drawing branches) in a docstring."""
    out: list[Drawn] = []
    stack: list[str] = []
    for line in doc.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        depth = len(m["bars"]) // 4 + (1 if m["branch"] else 0)
        if depth > len(stack):
            raise AssertionError(f"the tree skips a level at {line.strip()!r}")
        del stack[depth:]
        stack.append(m["name"])
        out.append(Drawn(tuple(stack), m["note"].strip()))
    return out


def real_tree(root: type, package: str = "twinned.") -> list[tuple[str, ...]]:
    """Every subclass of ``root`` defined in the package, as paths from the root."""
    out: list[tuple[str, ...]] = []

    def walk(cls: type, path: tuple[str, ...]) -> None:
        out.append(path)
        for sub in cls.__subclasses__():
            if sub.__module__.startswith(package):
                walk(sub, (*path, sub.__name__))

    walk(root, (root.__name__,))
    return out


def tree_diff(drawn: list[Drawn], real: list[tuple[str, ...]], where: str) -> str:
    """A unified diff, drawn against real, of the sorted paths ('' when they agree)."""
    a = sorted(" > ".join(d.path) for d in drawn)
    b = sorted(" > ".join(p) for p in real)
    return "\n".join(difflib.unified_diff(a, b, f"drawn in {where}", "defined (__subclasses__)", lineterm=""))


def note_problems(drawn: list[Drawn], classes: dict[str, type], home: str) -> list[str]:
    """What the notes say that is not so: the module in brackets (none = ``home``), a
    leading HTTP status or 'HTTP NNN', and 'exit N'."""
    problems = []
    for d in drawn:
        name = d.path[-1]
        cls = classes.get(name)
        if cls is None:
            continue  # the tree diff reports it
        module = re.search(r"\[([\w.]+)\]", d.note)
        expected = f"twinned.{module[1]}" if module else home
        if cls.__module__ != expected:
            problems.append(f"{name}: drawn as defined in {expected}, defined in {cls.__module__}")
        status = re.match(r"(\d{3})\b", d.note) or re.search(r"HTTP (\d{3})\b", d.note)
        if status and int(status[1]) != getattr(cls, "status", None):
            problems.append(f"{name}: drawn with status {status[1]}, has {getattr(cls, 'status', None)}")
        code = re.search(r"\bexit (\d)\b", d.note)
        if code and int(code[1]) != getattr(cls, "exit_code", None):
            problems.append(f"{name}: drawn with exit {code[1]}, has {getattr(cls, 'exit_code', None)}")
    return problems


def classes_below(root: type) -> dict[str, type]:
    found: dict[str, type] = {}
    stack = [root]
    while stack:
        cls = stack.pop()
        found[cls.__name__] = cls
        stack.extend(s for s in cls.__subclasses__() if s.__module__.startswith("twinned."))
    return found


@pytest.fixture(scope="module", autouse=True)
def every_module() -> list[str]:
    return import_every_module()


@pytest.mark.parametrize(("module", "root"), [(errors, errors.TwinnedError), (httperrors, httperrors.HTTPProblem)],
                         ids=["errors", "httperrors"])
def test_the_drawn_tree_is_the_real_one(module: ModuleType, root: type) -> None:
    drawn = drawn_tree(module.__doc__ or "")
    assert drawn and drawn[0].path == (root.__name__,), f"{module.__name__}'s docstring draws no tree of {root}"
    diff = tree_diff(drawn, real_tree(root), f"{module.__name__}'s docstring")
    assert not diff, "the drawn error tree differs from the classes (- drawn only, + defined only):\n" + diff
    problems = note_problems(drawn, classes_below(root), module.__name__)
    assert not problems, "the drawn error tree's notes are not so:\n" + "\n".join(problems)


def test_every_module_was_imported(every_module: list[str]) -> None:
    """The trees are compared with every module loaded, the subpackages' too."""
    assert {"twinned.store.external", "twinned.queries.sparql", "twinned.web.queries_api"} <= set(every_module)


# -- the checker itself ---------------------------------------------------------------------


class Root(Exception):
    status = 500


class Child(Root):
    status = 400


class Grandchild(Child):
    status = 400


DRAWING = """A made-up hierarchy.

    Root                500
    ├── Child           400
    │   └── Grandchild  400
    └── Gone            404
"""


def test_a_class_missing_from_the_drawing_shows_in_the_diff() -> None:
    drawn = drawn_tree(DRAWING)
    assert [d.path for d in drawn] == [("Root",), ("Root", "Child"), ("Root", "Child", "Grandchild"),
                                       ("Root", "Gone")]
    diff = tree_diff(drawn[:2], real_tree(Root, package=__name__), "DRAWING")
    assert "+Root > Child > Grandchild" in diff.splitlines()
    diff = tree_diff(drawn, real_tree(Root, package=__name__), "DRAWING")
    assert "-Root > Gone" in diff.splitlines()


def test_a_wrong_status_or_module_is_reported() -> None:
    drawn = drawn_tree(DRAWING.replace("Child           400", "Child           404 [elsewhere]"))
    classes = {"Root": Root, "Child": Child, "Grandchild": Grandchild}
    problems = note_problems(drawn, classes, __name__)
    assert f"Child: drawn as defined in twinned.elsewhere, defined in {__name__}" in problems
    assert "Child: drawn with status 404, has 400" in problems
    assert not [p for p in problems if p.startswith(("Root", "Grandchild"))]
