"""The language server's in-process state: parsing per declaration gives the same trees
and errors as parsing the file, and an edit re-parses only what it touched."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("lsprotocol", reason="pip install -e '.[lsp]'")

from msgarch.diagnostics import InputError  # noqa: E402
from msgarch.dsl.parser import parse  # noqa: E402
from msgarch.lsp.positions import Lines  # noqa: E402
from msgarch.lsp.project import Project, split_declarations  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(ROOT.glob("examples/**/*.msgarch"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_parsing_per_declaration_is_parsing_the_file(path):
    text = path.read_text(encoding="utf-8")
    assert "".join(piece for _, piece in split_declarations(text)) == text
    assert Project()._parse_by_declaration(text, str(path)) == parse(text, str(path))


def test_an_edit_reparses_only_the_declaration_it_touched():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_lint import generated_model

    text = generated_model(60)
    project = Project()
    before = project.parse(text, "g.msgarch")
    edited = text.replace("rate 1/s", "rate 7/s", 1)
    after = project.parse(edited, "g.msgarch")
    assert after == parse(edited, "g.msgarch")
    changed = [i for i, (a, b) in enumerate(zip(before.decls, after.decls)) if a is not b]
    assert len(changed) == 1 and "7/s" in repr(after.decls[changed[0]])


def test_a_syntax_error_is_the_files_error():
    text = 'broker bus : rabbitmq\ncomponent a {\n  instances\n}\ncomponent b\n'
    with pytest.raises(InputError) as whole:
        parse(text, "e.msgarch")
    with pytest.raises(InputError) as pieces:
        Project().parse(text, "e.msgarch")
    assert pieces.value.diagnostics == whole.value.diagnostics


def test_braces_in_strings_and_comments_do_not_split():
    text = 'component a { description "{ not a block" }  # }\ncomponent b {\n  owner "}"\n}\nmessage M\n'
    assert [line for line, _ in split_declarations(text)] == [0, 1, 4]


def test_utf16_columns():
    lines = Lines('component a { description "😀é" instances x }\n')
    # code-point column 32 (31 characters, the emoji among them) is UTF-16 unit 32, not 31
    assert lines.to_lsp(1, 32).character == 32
    assert lines.from_lsp(lines.to_lsp(1, 32)) == (1, 32)
    assert Lines("abc").to_lsp(1, 3).character == 2


def test_names_come_only_from_files_the_loader_reads(tmp_path):
    from msgarch.lsp import features

    (tmp_path / "outside.msgarch").write_text("component secret_service\n", encoding="utf-8")
    inner = tmp_path / "project"
    inner.mkdir()
    (inner / "part.msgarch").write_text("component billing\n", encoding="utf-8")
    main = inner / "main.msgarch"
    text = 'use "part.msgarch"\nuse "../outside.msgarch"\nmessage M\nflow '
    main.write_text(text, encoding="utf-8")
    project = Project([str(inner)])
    project.open(str(main), text)
    labels = [item.label for item in features.completion(project, str(main), 4, 6)]
    assert labels == ["billing"]
    project.change(str(main), text + "billing -> billing : M\n")
    (result,) = project.lint(str(main))
    assert any(d.code == "E002" and "leaves the directory" in d.message for d in result.diagnostics)
