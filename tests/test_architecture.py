"""The architecture, checked over every import of every module (function-level and
``TYPE_CHECKING`` imports included).

The layers, lowest first; a module may import from its own layer and the layers below it:

- foundation: the package root, settings, errors, fault points;
- core: the pure engine (knowledge, profiles, rules, verdicts);
- adapters: search, storage, templates, reviews, staff tools, exports;
- chat: dialogue state and answers;
- application: the use cases (``assistant.application``), their wiring and backups;
- edges: the web app, the CLI, the entry points;
- tools: eval and bench.

On top of the direction: the edges never reach past the application into a store, the
search stack or the chat; the core imports no library but the light ones it reads its data
with; no two modules import each other, directly or in a ring.
"""

from __future__ import annotations

import ast
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("assistant", "assistant.config", "assistant.errors", "assistant.faults")),
    ("core", ("assistant.core",)),
    (
        "adapters",
        (
            "assistant.search",
            "assistant.store",
            "assistant.templates",
            "assistant.review",
            "assistant.staff",
            "assistant.export",
        ),
    ),
    ("chat", ("assistant.chat",)),
    ("application", ("assistant.application", "assistant.factory", "assistant.backup")),
    ("edges", ("assistant.web", "assistant.cli", "assistant.__main__", "app")),
    ("tools", ("eval", "bench")),
)
EDGES = ("assistant.web", "assistant.cli", "assistant.__main__", "app")
"""Modules that talk to people and programs: they call the application, nothing under it
that holds state."""
BEHIND_THE_APPLICATION = (
    "assistant.store",
    "assistant.search",
    "assistant.chat",
    "assistant.factory",
)
CORE_LIBRARIES = frozenset({"yaml", "pydantic", "opencc"})
"""The only third-party libraries the core may import: it reads YAML knowledge, validates it
with pydantic and folds traditional characters with opencc."""
SOURCE_ROOTS = ("assistant", "eval", "bench", "app.py")

PUBLIC_FACES: dict[str, list[str]] = {
    "assistant": ["AssistantError", "Settings"],
    "assistant.application": ["Application", "IndexSnapshot", "IndexState", "User"],
    "assistant.core": [
        "Knowledge",
        "Profile",
        "assess",
        "checklist",
        "load_knowledge",
        "load_profile",
        "match",
        "validate_profile",
    ],
    "assistant.core.knowledge": ["Knowledge", "PROGRAM_IDS", "load_knowledge"],
    "assistant.review": [
        "BUCKET_TEXT",
        "DEFAULT_SAMPLE",
        "DEFAULT_SEED",
        "GRADES",
        "GRADE_TEXT",
        "KINDS",
        "MAX_COMMENT",
        "REVIEW_ROLES",
        "Correction",
        "Dashboard",
        "LoggedAnswer",
        "Period",
        "QueueItem",
        "ReviewConsole",
        "ReviewStore",
        "to_markdown",
    ],
    "assistant.templates": [
        "TemplateMatcher",
        "TemplateStore",
        "export_json",
        "export_xlsx",
        "format_of",
        "import_bytes",
    ],
    "assistant.chat": [],
    "assistant.search": [],
    "assistant.staff": [],
    "assistant.cli": ["main"],
    "assistant.store": [],
    "assistant.web": [],
}


@dataclass(frozen=True)
class Import:
    """One import statement: who imports what, on which line."""

    module: str
    target: str
    line: int


def module_files(root: Path, roots: tuple[str, ...] = SOURCE_ROOTS) -> dict[str, Path]:
    """Module name → file, for every Python file under the source roots."""
    files: dict[str, Path] = {}
    for entry in roots:
        path = root / entry
        found = [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
        for file in found:
            parts = list(file.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            files[".".join(parts)] = file
    return files


def imports_of(name: str, file: Path) -> list[Import]:
    """Every import in the file, at any depth, resolved to an absolute module name."""
    package = name if file.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [Import(name, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            found.append(Import(name, base, node.lineno))
            found += [Import(name, f"{base}.{a.name}", node.lineno) for a in node.names]
    return found


def owner(target: str, modules: dict[str, Path]) -> str | None:
    """The project module an import name refers to (None: a library or a name in a module)."""
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def layer_of(module: str) -> int:
    """The index of the module's layer (the longest matching prefix wins)."""
    best, depth = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > depth:
                best, depth = index, len(prefix)
    assert best >= 0, f"{module} belongs to no layer: add it to LAYERS"
    return best


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(root: Path, roots: tuple[str, ...] = SOURCE_ROOTS) -> list[str]:
    """Every import that breaks a rule, as ``file:line: what``."""
    modules = module_files(root, roots)
    problems: list[str] = []
    for name, file in sorted(modules.items()):
        where = str(file.relative_to(root))
        seen = set()
        for imp in imports_of(name, file):
            target = owner(imp.target, modules)
            key = (imp.line, target or imp.target.split(".")[0])
            if key not in seen:
                seen.add(key)
                problems += [f"{where}:{imp.line}: {p}" for p in _broken_rules(name, imp, target)]
    return problems


def _broken_rules(name: str, imp: Import, target: str | None) -> list[str]:
    """What one import breaks (``target``: the project module it names, if any)."""
    if target is None:
        library = imp.target.split(".")[0]
        outside = library not in sys.stdlib_module_names and library != "__future__"
        if within(name, ("assistant.core",)) and outside and library not in CORE_LIBRARIES:
            return [f"the core imports {library}"]
        return []
    broken = []
    if target != name and layer_of(target) > layer_of(name):
        broken.append(
            f"{name} ({LAYERS[layer_of(name)][0]}) imports "
            f"{target} ({LAYERS[layer_of(target)][0]}), a higher layer"
        )
    if within(name, EDGES) and (within(target, BEHIND_THE_APPLICATION) or target.endswith("store")):
        broken.append(f"the edge {name} reaches into {target}")
    return broken


def _import_graph(root: Path, roots: tuple[str, ...]) -> dict[str, set[str]]:
    modules = module_files(root, roots)
    graph: dict[str, set[str]] = {}
    for name, file in modules.items():
        targets = {owner(i.target, modules) for i in imports_of(name, file)}
        # A package's __init__ re-exporting its own modules is not a cycle of roles.
        graph[name] = {t for t in targets if t and t != name and not name.startswith(t + ".")}
    return graph


def cycles(root: Path, roots: tuple[str, ...] = SOURCE_ROOTS) -> list[list[str]]:
    """Groups of modules that import each other, directly or in a ring."""
    graph = _import_graph(root, roots)
    reach = {node: _reachable(graph, node) for node in graph}
    groups = {tuple(sorted(n for n in reach[node] if node in reach[n])) for node in graph}
    return sorted(list(g) for g in groups if len(g) > 1)


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module ``start`` imports, directly or through others (itself only via a ring)."""
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += graph[node]
    return seen


def test_every_import_goes_down_the_layers():
    assert violations(ROOT) == []


def test_no_module_imports_itself_through_others():
    assert cycles(ROOT) == []


@pytest.mark.parametrize("package", sorted(PUBLIC_FACES))
def test_each_package_shows_its_pinned_public_face(package):
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(PUBLIC_FACES[package])
    for name in module.__all__:
        assert hasattr(module, name), f"{package}.__all__ names {name}, which it lacks"


def test_every_package_has_a_pinned_face():
    packages = {n for n, f in module_files(ROOT, ("assistant",)).items() if f.name == "__init__.py"}
    assert packages == set(PUBLIC_FACES)


# --- the checks catch what they are for: a planted violation of each kind ------------------


def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for package in ("assistant", "assistant/core", "assistant/search", "assistant/store"):
        init = tmp_path / package / "__init__.py"
        init.parent.mkdir(parents=True, exist_ok=True)
        init.touch()
    (tmp_path / "assistant/web").mkdir(exist_ok=True)
    (tmp_path / "assistant/web/__init__.py").touch()
    return tmp_path


def test_a_core_module_importing_an_adapter_is_caught(tmp_path):
    root = _plant(
        tmp_path,
        {
            "assistant/search/chunk_store.py": "X = 1\n",
            # inside a function, where a lazy import would hide it from a module-level check
            "assistant/core/rules.py": "def f():\n    from assistant.search.chunk_store import X\n",
        },
    )
    [problem] = violations(root, ("assistant",))
    assert "assistant.core.rules (core) imports assistant.search.chunk_store (adapters)" in problem


def test_a_core_module_importing_a_heavy_library_is_caught(tmp_path):
    root = _plant(tmp_path, {"assistant/core/text.py": "import yaml\nimport chromadb\n"})
    assert violations(root, ("assistant",)) == [
        "assistant/core/text.py:2: the core imports chromadb"
    ]


def test_a_web_module_using_a_store_directly_is_caught(tmp_path):
    root = _plant(
        tmp_path,
        {
            "assistant/store/db.py": "class SessionStore: ...\n",
            "assistant/web/chat.py": "from assistant.store.db import SessionStore\n",
        },
    )
    assert any(
        "the edge assistant.web.chat reaches into assistant.store.db" in p
        for p in violations(root, ("assistant",))
    )


def test_a_cycle_is_caught(tmp_path):
    root = _plant(
        tmp_path,
        {
            "assistant/search/a.py": "from assistant.search import b\n",
            "assistant/search/b.py": "def f():\n    from assistant.search.a import g\n",
        },
    )
    assert cycles(root, ("assistant",)) == [["assistant.search.a", "assistant.search.b"]]


# --- and at run time: what importing actually loads ------------------------------------------

HEAVY = ("chromadb", "sentence_transformers", "torch", "gradio", "langchain_core", "transformers")


def _loaded_heavy(modules: list[str]) -> list[str]:
    import subprocess

    code = f"import sys, {', '.join(modules)}; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return list(ast.literal_eval(out.stdout.strip()))


def test_no_core_module_loads_a_heavy_library():
    core = list(module_files(ROOT, ("assistant/core",)))
    assert len(core) > 10
    assert _loaded_heavy(core) == []


def test_the_cli_module_loads_without_torch_or_gradio():
    assert _loaded_heavy(["assistant.cli"]) == []
