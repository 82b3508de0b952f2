"""The package's import structure: the trust boundary and the layering, checked on the source.

Every ``import`` statement of every module is read with ``ast`` (at any depth, so an import
inside a function counts as an edge too) and resolved to a module of the package:

- no import cycle;
- ``theory`` imports nothing from ``proofs`` or ``figures``;
- ``proofs.rigorous`` (what a CERTIFIED verdict rests on) imports nothing from
  ``proofs.evidence`` (grids, Monte Carlo, backends);
- ``proofs`` imports nothing from ``figures``, and nothing but the CLI imports the CLI.
"""
import ast
import pathlib

import pytest

import snn_verify

ROOT = pathlib.Path(__file__).resolve().parent.parent
PARTS = {"snn_verify": ROOT / "snn_verify", "snn_verify.theory": ROOT / "theory",
         "snn_verify.proofs": ROOT / "proofs", "snn_verify.figures": ROOT / "figures"}


def _modules():
    """``{module name: path}`` of every module of the package in this checkout."""
    found = {}
    for package, folder in PARTS.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            found[".".join([package, *parts])] = path
    return found


MODULES = _modules()
#: the command line: nothing of the library imports it
CLI = ("snn_verify.cli", "snn_verify.commands", "snn_verify.argtypes")


def _is_package(name):
    return MODULES[name].name == "__init__.py"


def _resolve(name, node):
    """The package modules that one import statement of module ``name`` refers to."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        if node.level:
            base = name.split(".") if _is_package(name) else name.split(".")[:-1]
            base = base[:len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module
        # "from P import m": the submodule P.m where there is one, else (a name) P itself
        targets = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in MODULES else prefix for a in node.names]
    out = set()
    for target in targets:
        while target and target not in MODULES:          # "pkg.mod.attr" -> "pkg.mod"
            target = target.rpartition(".")[0]
        if target and target != name and target.startswith("snn_verify"):
            out.add(target)
    return out


def _graph():
    graph = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(), str(path))
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= _resolve(name, node)
        graph[name] = edges
    return graph


GRAPH = _graph()


def test_every_part_is_read():
    assert snn_verify.__name__ == "snn_verify"
    for name in ("snn_verify.theory.selu_map", "snn_verify.proofs.rigorous.certify",
                 "snn_verify.proofs.evidence.backends.cuda", "snn_verify.figures.vector_field", *CLI):
        assert name in MODULES
    assert "snn_verify.theory.kernels" in GRAPH["snn_verify.theory.selu_map"]


def _cycle():
    """One import cycle as a list of modules, or None."""
    state = {}
    stack = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(GRAPH):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle():
    cycle = _cycle()
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_planted_cycle():
    planted = {"a": {"b"}, "b": {"c"}, "c": {"a"}}
    saved = dict(GRAPH)
    GRAPH.clear()
    GRAPH.update(planted)
    try:
        assert _cycle() == ["a", "b", "c", "a"]
    finally:
        GRAPH.clear()
        GRAPH.update(saved)


def _violations(source_prefix, forbidden_prefixes):
    return sorted((src, dst) for src, dsts in GRAPH.items() if src.startswith(source_prefix)
                  for dst in dsts if any(dst == f or dst.startswith(f + ".") for f in forbidden_prefixes))


@pytest.mark.parametrize("source, forbidden", [
    ("snn_verify.theory", ("snn_verify.proofs", "snn_verify.figures", *CLI)),
    ("snn_verify.proofs.rigorous", ("snn_verify.proofs.evidence", "snn_verify.proofs.report",
                                    "snn_verify.figures", *CLI)),
    ("snn_verify.proofs", ("snn_verify.figures", *CLI)),
    ("snn_verify.figures", CLI),
])
def test_layering(source, forbidden):
    assert _violations(source, forbidden) == []


def _reachable(start):
    seen, stack = set(), [start]
    while stack:
        for nxt in GRAPH[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def test_the_rechecker_imports_only_the_trusted_base():
    """The certificate checker reaches (transitively) no engine code: of the rigorous
    package only the trusted base, plus the theory and the claims data model."""
    kernel = "snn_verify.proofs.rigorous.recheck"
    reached = _reachable(kernel)
    rigorous = {m for m in reached if m.startswith("snn_verify.proofs.rigorous.") and not m.startswith(kernel + ".")}
    assert rigorous == {"snn_verify.proofs.rigorous.trusted"}
    assert {m for m in MODULES if m.startswith(kernel + ".")} <= reached      # every room of the kernel is read
    # snn_verify.errors: the leaf module of the user-input error class (it imports nothing)
    allowed = ("snn_verify.theory", "snn_verify.proofs.claims", "snn_verify.proofs.rigorous.trusted", kernel,
               "snn_verify.errors")
    assert sorted(m for m in reached if not m.startswith(allowed)) == []
    engine = {"snn_verify.proofs.rigorous.ball", "snn_verify.proofs.rigorous.interval",
              "snn_verify.proofs.rigorous.certify", "snn_verify.proofs.rigorous.fixed_point"}
    assert engine <= set(GRAPH)          # the engine modules exist and are read
    assert not engine & reached
