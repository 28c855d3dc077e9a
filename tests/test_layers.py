"""The package's imports run one way: input contract -> data -> models -> inference -> train, predict, export ->
bench -> CLI. Read from the source (every ``import``, at module level or inside a function), a
module may import only modules of its own layer or a lower one, and no two modules may import
each other."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "edgeseg"

# Longest matching prefix wins. Same layer: allowed both ways (but no module pair may be mutual).
LAYERS: dict[str, int] = {
    "edgeseg": 0, "edgeseg.errors": 0, "edgeseg.lesions": 0, "edgeseg.outputs": 0, "edgeseg.fileio": 0, "edgeseg.model_file": 0, "edgeseg.report": 0, "edgeseg.progress": 0, "edgeseg.memory": 0, "edgeseg.options": 0, "edgeseg.papers": 0,
    # the model's input contract (edgeseg.inference.__init__ says why it sits below data)
    "edgeseg.inference.preprocessing": 0, "edgeseg.inference.fov": 0, "edgeseg.inference.image_ops": 0,
    "edgeseg.metrics": 1, "edgeseg.data": 1, "edgeseg.embedded": 1, "edgeseg.screening": 1,
    "edgeseg.models": 2, "edgeseg.losses": 2,
    "edgeseg.inference": 3, "edgeseg.checkpoint": 3,
    "edgeseg.train": 4, "edgeseg.evaluate": 4, "edgeseg.evaluate_options": 4, "edgeseg.evaluate_grading": 4, "edgeseg.predict": 4, "edgeseg.export": 4, "edgeseg.web": 4, "edgeseg.screen": 5,
    "edgeseg.bench": 5,
    "edgeseg.cli": 6, "edgeseg.__main__": 6,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The edgeseg modules ``path`` imports (relative imports resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from pkg import module`
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    return {item for item in found if item in modules and item != name}


def layer(module: str) -> int:
    match = max((prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")), key=len)
    return LAYERS[match]


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports(path) for path in PACKAGE.rglob("*.py")}


def test_every_module_has_a_layer():
    unplaced = [name for name in graph() if max((p for p in LAYERS if name == p or name.startswith(p + ".")), key=len) == "edgeseg"
                and name != "edgeseg"]
    assert not unplaced, f"add these modules to LAYERS: {unplaced}"


def test_no_lower_layer_imports_a_higher_one():
    wrong = sorted(f"{importer} (layer {layer(importer)}) imports {imported} (layer {layer(imported)})"
                   for importer, targets in graph().items() for imported in targets if layer(imported) > layer(importer))
    assert not wrong, "\n".join(wrong)


def test_no_two_modules_import_each_other():
    edges = graph()
    mutual = sorted({tuple(sorted((a, b))) for a, targets in edges.items() for b in targets if a in edges.get(b, ())
                     and not (a.startswith(b + ".") or b.startswith(a + "."))})  # a package and its own parts: not a circle
    assert not mutual, mutual


def test_the_checker_sees_a_wrong_way_import(tmp_path, monkeypatch):
    """The test itself can fail: a core module importing the CLI is caught."""
    fake = PACKAGE / "data" / "_layer_probe.py"
    fake.write_text("from edgeseg.cli import main\n")
    try:
        wrong = [(a, b) for a, targets in graph().items() for b in targets if layer(b) > layer(a)]
        assert ("edgeseg.data._layer_probe", "edgeseg.cli") in wrong
    finally:
        fake.unlink()


def script_problems(paths) -> list[str]:
    """Scripts that reach past the installed package: a ``sys.path`` edit, or an import from ``tests``."""
    problems = []
    for path in paths:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name) and node.value.id == "sys":
                problems.append(f"{path.name}: edits sys.path")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tests":
                problems.append(f"{path.name}: imports {node.module}")
            elif isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "tests" for alias in node.names):
                problems.append(f"{path.name}: imports tests")
    return problems


def test_scripts_import_the_installed_package_only(tmp_path):
    """benchmarks/ and tools/ run against the installed edgeseg (issue #33)."""
    root = PACKAGE.parent
    scripts = sorted((root / "benchmarks").glob("*.py")) + sorted((root / "tools").glob("*.py"))
    assert len(scripts) > 20 and script_problems(scripts) == []
    bad = tmp_path / "bad.py"
    bad.write_text("import sys\nsys.path.insert(0, '..')\nfrom tests.export import x\n")
    assert sorted(script_problems([bad])) == ["bad.py: edits sys.path", "bad.py: imports tests.export"]
