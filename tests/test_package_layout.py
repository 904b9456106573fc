"""The package's shape: no import cycles, and ``import constrae`` needs no optional extra."""

import ast
import subprocess
import sys
from pathlib import Path

import constrae

PACKAGE_DIR = Path(constrae.__file__).parent
OPTIONAL_EXTRAS = ("optuna", "optuna_dashboard", "pylsl", "onnx", "onnxruntime", "onnxscript", "pyriemann", "ts2vg")


def module_files() -> dict[str, Path]:
    """Dotted name -> file of every module in the package (a package by its __init__.py)."""
    modules = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = ("constrae",) + path.relative_to(PACKAGE_DIR).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def runtime_imports(tree: ast.AST):
    """Import statements anywhere in the module (functions too), except under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            yield from (imp for child in node.orelse for imp in runtime_imports(child))
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        yield from runtime_imports(node)


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that module ``name`` imports: ``from p import m`` counts as
    importing module p.m where that is a module, else as importing package p."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in runtime_imports(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
        source = ".".join(base + ([node.module] if node.module else []))
        for alias in node.names:
            found.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source)
    return {module for module in found if module in modules and module != name}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that ends where it starts, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for successor in sorted(graph[node]):
            if state.get(successor) == "open":
                return stack[stack.index(successor) :] + [successor]
            if successor not in state and (cycle := visit(successor)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_accepts_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_module_of_the_package_imports_itself_through_others():
    modules = module_files()
    graph = {name: imported_modules(name, path, modules) for name, path in modules.items()}
    assert sum(map(len, graph.values())) > len(modules), "the import graph came out nearly empty"
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_importing_constrae_loads_no_optional_extra():
    code = "import sys, constrae; print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in %r)))"
    result = subprocess.run(
        [sys.executable, "-c", code % (OPTIONAL_EXTRAS,)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"import constrae loaded optional extras: {result.stdout.strip()}"


MAX_FILE_LINES = 300
MAX_FUNCTION_LINES = 60
LONG_FUNCTION_REASON = "Long because"
"""A function over MAX_FUNCTION_LINES says why in its docstring, starting a sentence with this."""


def test_modules_and_functions_stay_small():
    too_long = []
    for name, path in module_files().items():
        source = path.read_text()
        if len(source.splitlines()) > MAX_FILE_LINES:
            too_long.append(f"{name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES and LONG_FUNCTION_REASON not in (ast.get_docstring(node) or ""):
                    too_long.append(f"{name}.{node.name}: {length} lines")
    assert not too_long, "split these (or say why in the docstring): " + ", ".join(too_long)
