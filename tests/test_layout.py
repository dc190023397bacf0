"""The layout the design card names (issue 14, item 7): dsl/ does not reach into the model
for units, and one module writes figures (the others import its functions)."""

from __future__ import annotations

import ast

from tests.conftest import ROOT


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


def test_dsl_does_not_import_model_units():
    for path in (ROOT / "msgarch" / "dsl").glob("*.py"):
        assert not any(name.startswith("msgarch.model.units") for name in _imports(path)), path


def test_one_module_writes_figures():
    from msgarch.analysis import figures
    from msgarch.brokers import profiles
    from msgarch.diff import values
    from msgarch.model import units
    from msgarch.render import text

    assert text.rate is figures.written_rate_round and text.size is figures.diagram_size
    assert text.duration is figures.diagram_duration and text.significant is figures.significant
    assert values.show_rate is figures.exact_rate and values.show_duration is figures.exact_duration
    assert units.format_rate is figures.written_rate and units.format_size is figures.written_size
    assert profiles.human_seconds is figures.human_seconds and profiles.human_bytes is figures.human_bytes
    # none of them defines a formatter of its own any more
    for module in (text, values, units, profiles):
        source = ROOT / "msgarch" / module.__file__.rsplit("/msgarch/", 1)[1]
        defined = {n.name for n in ast.parse(source.read_text(encoding="utf-8")).body
                   if isinstance(n, ast.FunctionDef)}
        assert not defined & {"rate", "size", "duration", "significant", "quantity", "show_rate", "show_size",
                              "show_duration", "format_rate", "format_size", "human_seconds",
                              "human_bytes"}, module.__name__
