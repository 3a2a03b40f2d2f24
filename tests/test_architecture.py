"""The house: the package's layout is the one docs/architecture.md and the README describe.

The layering itself (each layer imports only the layers below it) is import-linter's
contract in pyproject.toml, run by the README's test command; here: no import cycles at
all (module to module, ``if TYPE_CHECKING:`` and function-local imports included), no
module over 500 lines, and the docs' layer list and the README's layout table match the
tree and the contract.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "twinned"
MAX_LINES = 500


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("twinned", include_external_packages=False)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph.find_modules_directly_imported_by(module)):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    g = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c"):
        g.add_module(name)
    g.add_import(importer="p.a", imported="p.b")
    g.add_import(importer="p.b", imported="p.a")
    g.add_import(importer="p.c", imported="p.a")
    assert _cycles(g) == [["p.a", "p.b"]]


def _package_import_ok(importer: str, imported: str) -> bool:
    """A package's ``__init__`` re-exporting its own modules is not a cycle worth naming."""
    return imported.startswith(importer + ".")


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    pruned = grimp.ImportGraph()
    for module in graph.modules:
        pruned.add_module(module)
    for module in graph.modules:
        for other in graph.find_modules_directly_imported_by(module):
            if not _package_import_ok(module, other):
                pruned.add_import(importer=module, imported=other)
    assert _cycles(pruned) == []


def test_no_module_over_500_lines() -> None:
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text("utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def _subpackages() -> set[str]:
    return {p.parent.name for p in PACKAGE.glob("*/__init__.py")}


def _contract_layers() -> list[set[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return [{name.strip().removeprefix("twinned.") for name in re.split(r"[|:]", layer)}
            for layer in contract["layers"]]


def test_every_subpackage_is_in_a_layer() -> None:
    layered = set().union(*_contract_layers())
    assert _subpackages() <= layered
    top_modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert top_modules <= layered, "every top-level module belongs to the bottom layers"


def test_architecture_doc_draws_the_contract_layers() -> None:
    """docs/architecture.md lists the layers, top to bottom, as the contract has them."""
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    block = text.split("<!-- layers -->")[1].split("<!-- /layers -->")[0]
    drawn = [set(re.findall(r"`([a-z_]+)/?`", line)) for line in block.splitlines() if "`" in line]
    assert drawn == _contract_layers()


def test_architecture_doc_names_only_real_modules() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    named = {n for n in re.findall(r"`((?:[a-z_]+/)+[a-z_]+\.py)`", text) if not n.startswith("tests/")}
    assert named, "the doc names modules as `package/module.py`"
    assert {n for n in named if not (PACKAGE / n).is_file()} == set()


def _readme_layout() -> dict[str, str]:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## What is where")[1].split("\n## ")[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"\| `src/twinned/([a-z_]*)/?` \| (.*) \|$", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def test_readme_layout_table_matches_the_tree() -> None:
    """One row per subpackage (and one for the top-level modules), naming every module of it."""
    rows = _readme_layout()
    assert set(rows) == _subpackages() | {""}
    for package, text in rows.items():
        folder = PACKAGE / package
        modules = {p.stem for p in folder.glob("*.py")} - {"__init__", "__main__"}
        named = set(re.findall(r"`([a-z_]+)`", text))
        if package == "":
            modules -= {"__init__"}
        assert modules <= named, f"src/twinned/{package}/: the README does not name {sorted(modules - named)}"
        assert named <= modules | _subpackages(), f"src/twinned/{package}/: no module {sorted(named - modules)}"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text("utf-8").split("Install and run the tests:")[1]
    command = readme.split("```sh\n")[1].split("\n```")[0].strip()
    ci = (ROOT / ".ci" / "run").read_text("utf-8").strip().splitlines()
    assert ci[-1] == command


def test_the_docs_name_only_files_that_exist() -> None:
    """Every file the README and docs/ name as ``path.py`` exists: a path from the repository's
    root or from src/twinned/ (a bare name only for the package's top-level modules); tests
    named by their file alone (``test_x.py::test_y``) exist somewhere under tests/."""
    tests = {p.name for p in (ROOT / "tests").rglob("test_*.py")}
    gone = {"fastshacl.py", "minisparql.py"}  # named by validation.md as deleted
    missing = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for number, line in enumerate(doc.read_text("utf-8").splitlines(), 1):
            for name in re.findall(r"`([A-Za-z_/.]*?\.py)(?:::[\w\[\]-]+)?`", line):
                if name.startswith("test_"):
                    ok = name in tests
                else:
                    ok = name in gone or (ROOT / name).is_file() or (PACKAGE / name).is_file()
                if not ok:
                    missing.append(f"{doc.relative_to(ROOT)}:{number}: {name}")
    assert missing == []


def test_the_docs_name_only_modules_and_names_that_exist() -> None:
    """A dotted name in the README or docs/ (``twinned.web.server.create_app``) is a module,
    or a name in one, of the package as it is (file names such as ``twinned.ttl`` aside)."""
    import importlib

    files = {"twinned.ttl", "twinned.nt", "twinned.jsonld", "twinned.toml"}
    missing = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for dotted in sorted(set(re.findall(r"\btwinned(?:\.[A-Za-z_]+)+", doc.read_text("utf-8")))):
            if any(dotted == f or dotted.startswith(f + ".") for f in files):
                continue
            parts = dotted.split(".")
            found: object = None
            for i in range(len(parts), 0, -1):
                try:
                    found = importlib.import_module(".".join(parts[:i]))
                except ImportError:
                    continue
                for name in parts[i:]:
                    found = getattr(found, name, None)
                break
            if found is None:
                missing.append(f"{doc.relative_to(ROOT)}: {dotted}")
    assert missing == []
