"""The command line: check, lint, formats, exit codes, configuration, suppression, rules."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import EXAMPLES, ROOT

CLEAN = """
broker bus : rabbitmq
component web { instances 2 }
component orders { instances 2  capacity 100/s }
message PlaceOrder { size 1KB }
flow web -> orders : PlaceOrder { rate 10/s; pattern queue }
"""

WITH_WARNING = CLEAN + "component lonely\n"
WITH_ERROR = CLEAN + "flow web -> order : PlaceOrder { pattern queue }\n"


def test_check_clean_file(write, run):
    result = run("check", write("a.msgarch", CLEAN))
    assert result.exit_code == 0 and "All checks passed (1 file)." in result.output


def test_check_syntax_error_exit_2_with_caret(write, run):
    path = write("a.msgarch", "component a {\n  instances three\n}\n")
    result = run("check", path)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{path}:2:13: error: unexpected 'three'") and lines[0].endswith("[E001]")
    assert lines[1] == " 2 |   instances three" and lines[2] == "   |             ^^^^^"


def test_lint_exit_codes(write, run):
    assert run("lint", write("a.msgarch", CLEAN)).exit_code == 0
    assert run("lint", write("b.msgarch", WITH_WARNING)).exit_code == 0
    assert run("lint", write("c.msgarch", WITH_WARNING), "--fail-on", "warning").exit_code == 1
    assert run("lint", write("d.msgarch", WITH_ERROR)).exit_code == 1
    assert run("lint", write("e.msgarch", WITH_ERROR), "--exit-zero").exit_code == 0
    assert run("lint", write("f.msgarch", "component {")).exit_code == 2
    assert run("lint", write("g.msgarch", "component {"), "--exit-zero").exit_code == 2
    assert run("lint", "no-such-file.msgarch").exit_code == 2


def test_text_format_shape(write, run):
    path = write("a.msgarch", WITH_ERROR)
    out = run("lint", path, "--select", "S001").output.splitlines()
    assert out[0] == f"{path}:7:13: S001 [error] component 'order' is not declared (did you mean 'orders'?)"
    assert out[1] == " 7 | flow web -> order : PlaceOrder { pattern queue }"
    assert out[2] == "   |             ^^^^^"
    assert out[-1] == "Found 1 problem (1 error, 0 warnings, 0 info) in 1 file."


def test_json_format_exact_shape(write, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write("arch/orders.msgarch", WITH_ERROR + "component lonely\n")
    result = run("lint", "arch/orders.msgarch", "--format", "json")
    document = json.loads(result.output)
    assert set(document) == {"msgarch", "findings", "summary"}
    assert document["summary"] == {"error": 1, "warning": 1, "info": 0, "files": 1}
    first = document["findings"][0]
    assert list(first) == ["code", "name", "severity", "message", "hint", "path", "line", "column",
                           "end_line", "end_column", "related"]
    assert first["path"] == "arch/orders.msgarch"  # relative stays relative
    keys = [(f["path"], f["line"], f["column"], f["code"]) for f in document["findings"]]
    assert keys == sorted(keys)


def test_json_includes_syntax_errors_with_exit_2(write, run):
    result = run("lint", write("a.msgarch", "flow a -> : M\n"), "--format", "json")
    assert result.exit_code == 2
    (finding,) = json.loads(result.output)["findings"]
    assert finding["code"] == "E001" and finding["line"] == 1 and finding["column"] == 11


def test_concise_format(write, run):
    path = write("a.msgarch", WITH_WARNING)
    out = run("lint", path, "--format", "concise").output.splitlines()
    assert out[0] == f"{path}:7:1: S003 [warning] component 'lonely' has no flow in or out"
    assert len(out) == 2


def test_statistics(write, run):
    path = write("a.msgarch", WITH_WARNING + "component alone\n")
    out = run("lint", path, "--statistics", "--format", "concise").output
    assert "    2  S003  orphan-component" in out


def test_directory_and_stdin(write, run, tmp_path):
    write("arch/a.msgarch", CLEAN)
    write("arch/sub/b.msgarch", WITH_WARNING)
    result = run("lint", tmp_path / "arch", "--format", "json")
    assert json.loads(result.output)["summary"]["files"] == 2
    result = run("lint", "-", input=WITH_ERROR)
    assert result.exit_code == 1 and result.output.startswith("-:7:13: S001")


def test_included_files_are_linted_with_their_includer(write, run, tmp_path):
    write("arch/messages.msgarch", "message PlaceOrder { size 1KB }\n")
    write("arch/main.msgarch", 'use "messages.msgarch"\nbroker bus : rabbitmq\ncomponent a\ncomponent b\n'
                               "flow a -> b : PlaceOrder { pattern queue }\n")
    result = run("lint", tmp_path / "arch", "--select", "S")
    assert result.exit_code == 0, result.output
    assert "All checks passed (2 files)." in result.output


def test_select_ignore_and_unknown_selector(write, run):
    path = write("a.msgarch", WITH_ERROR + "component lonely\n")
    assert "S003" not in run("lint", path, "--ignore", "S003").output
    assert "S001" not in run("lint", path, "--select", "S003").output
    assert "S003" in run("lint", path, "--select", "S001", "--extend-select", "orphan-component").output
    result = run("lint", path, "--select", "Z999")
    assert result.exit_code == 2 and "Z999" in result.output


def test_config_file_and_cli_precedence(write, run, tmp_path):
    write("pyproject.toml", '[tool.msgarch]\nignore = ["S003"]\nseverity = { S004 = "error" }\n')
    path = write("arch/a.msgarch", CLEAN + "component lonely\nmessage Unused\n")
    result = run("lint", path, "--format", "concise")
    assert "S003" not in result.output and "S004 [error]" in result.output and result.exit_code == 1
    result = run("lint", path, "--format", "concise", "--ignore", "S004")
    assert "S003" in result.output and "S004" not in result.output


def test_msgarch_toml_per_file_ignores(write, run, tmp_path):
    write(".msgarch.toml", 'per-file-ignores = { "legacy/*.msgarch" = ["S003"] }\n')
    legacy = write("legacy/old.msgarch", CLEAN + "component lonely\n")
    fresh = write("new/a.msgarch", CLEAN + "component lonely\n")
    assert "S003" not in run("lint", legacy).output
    assert "S003" in run("lint", fresh).output


def test_unknown_config_key_is_e004(write, run):
    write(".msgarch.toml", 'selct = ["S001"]\n')
    path = write("a.msgarch", CLEAN)
    result = run("lint", path)
    assert result.exit_code == 2
    assert "E004" in result.output and "unknown configuration key 'selct'" in result.output
    assert "did you mean 'select'" in result.output and ".msgarch.toml:1:1" in result.output


def test_bad_config_values_all_reported(write, run):
    write(".msgarch.toml", 'fail-on = "sometimes"\nignore = "S001"\n')
    result = run("lint", write("a.msgarch", CLEAN), "--format", "concise")
    assert result.exit_code == 2 and result.output.count("E004") == 2


def test_inline_suppression_same_line_and_line_above(write, run):
    path = write("a.msgarch", CLEAN + "component lonely  # msgarch: ignore[S003]\n"
                                      "# msgarch: ignore[orphan-component]\ncomponent alone\n")
    result = run("lint", path, "--fail-on", "warning")
    assert result.exit_code == 0, result.output


def test_suppression_on_a_declaration_line_covers_its_properties(write, run):
    source = CLEAN.replace("flow web -> orders : PlaceOrder { rate 10/s; pattern queue }",
                           "flow web -> order : PlaceOrder { # msgarch: ignore[S001]\n  rate 10/s\n  pattern queue\n}")
    assert run("lint", write("a.msgarch", source)).exit_code == 0


def test_unused_suppression_is_reported(write, run):
    path = write("a.msgarch", CLEAN.replace("component web { instances 2 }",
                                            "component web { instances 2 }  # msgarch: ignore[S003]"))
    result = run("lint", path, "--format", "concise")
    assert "S007 [warning] ignore[S003] silences nothing here" in result.output


def test_hash_inside_string_is_not_a_comment(write, run):
    path = write("a.msgarch", CLEAN + 'component lonely { description "see # msgarch: ignore" }\n')
    assert "S003" in run("lint", path).output


def test_no_colour_when_not_a_terminal_or_no_color(write, run, monkeypatch):
    path = write("a.msgarch", WITH_ERROR)
    assert "\x1b[" not in run("lint", path).output
    monkeypatch.setenv("NO_COLOR", "1")
    from msgarch.cli.common import use_colour

    class Tty:
        def isatty(self):
            return True

    assert use_colour(Tty()) is False
    monkeypatch.delenv("NO_COLOR")
    assert use_colour(Tty()) is True


def test_rules_and_rule(run):
    listing = run("rules").output
    assert "S001  unknown-reference" in listing and "S006" in listing
    explained = run("rule", "unknown-reference").output
    assert explained.startswith("S001 unknown-reference (error)") and "Fails:" in explained and "Passes:" in explained
    assert run("rule", "s001").output == explained
    assert run("rule", "nope").exit_code == 2


def test_binary_and_non_utf8_files(tmp_path, run):
    binary = tmp_path / "b.msgarch"
    binary.write_bytes(b"\x00\x01\x02")
    latin = tmp_path / "l.msgarch"
    latin.write_bytes("component caf\xe9\n".encode("latin-1"))
    result = run("check", binary)
    assert result.exit_code == 2 and "binary file" in result.output
    result = run("check", latin)
    assert result.exit_code == 2 and f"{latin}:1:14: error: the file is not valid UTF-8" in result.output


def test_examples_parse_and_build(run):
    result = run("check", EXAMPLES)
    assert result.exit_code == 0, result.output
    assert len(list(EXAMPLES.glob("*.msgarch"))) >= 4


def test_python_dash_m_and_console_script():
    result = subprocess.run([sys.executable, "-m", "msgarch", "--version"], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    assert result.returncode == 0 and "msgarch" in result.stdout


def test_internal_error_has_no_traceback(monkeypatch, capsys):
    import pytest

    from msgarch.cli import main as main_module

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(main_module.cli, "main", boom)
    with pytest.raises(SystemExit) as exit_info:
        main_module.main()
    assert exit_info.value.code == 3
    assert "internal error: RuntimeError: boom" in capsys.readouterr().err


def test_check_reports_unknown_and_duplicate_names_but_runs_no_analysis(write, run):
    path = write("a.msgarch", WITH_ERROR + "component lonely\ncomponent lonely\n")
    result = run("check", path, "--format", "concise")
    assert result.exit_code == 1
    codes = [line.split()[1] for line in result.output.splitlines()[:-1]]
    assert codes == ["S001", "S002"]


def test_rule_explains_reserved_input_error_codes(run):
    result = run("rule", "E004")
    assert result.exit_code == 0 and result.output.startswith("E004 invalid-configuration (error, not a rule)")
    assert "E002  include-error" in run("rules").output


def test_caret_lines_up_under_wide_characters(write, run):
    path = write("a.msgarch", 'component a { description "注文サービス"  instances three }\n')
    lines = run("check", path).output.splitlines()
    source, caret = lines[1].split("| ", 1)[1], lines[2].split("| ", 1)[1]
    assert caret.index("^") == len(source[: source.index("three")]) + 6  # six wide characters


def test_brokers_matrix_fits_a_terminal_and_broker_cites_sources(run):
    text = run("brokers").output
    assert max(len(line) for line in text.splitlines() if not line.startswith(("Y yes", "Every"))) <= 120
    for kind in ("kafka", "rabbitmq-quorum", "sqs-fifo", "celery-redis", "zeromq"):
        assert kind in text
    one = run("broker", "kafka").output
    assert "priority: no" in one and "source: https://" in one
    assert run("broker", "kafak").exit_code == 2


def test_review_fixes_paths_selectors_suppressions_and_kinds(write, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write("a.msgarch", 'use "b.msgarch"\nbroker bus : rabbitmq\ncomponent x\ncomponent y\nflow x -> y : M { pattern queue }\n')
    write("b.msgarch", "message M\n")
    result = run("lint", "./a.msgarch", "./b.msgarch", "--select", "S")
    assert result.exit_code == 0 and "(2 files)" in result.output, result.output
    assert run("lint", "./a.msgarch", "--select", ",").exit_code == 2
    write("c.msgarch", CLEAN + "# msgarch: ignore[S003]\n")
    assert "S007" in run("lint", "c.msgarch", "--format", "concise").output
    write("p.yaml", "id: foo\n")
    write("d.msgarch", CLEAN.replace("broker bus : rabbitmq", 'broker bus : rabitmq { profile "p.yaml" }'))
    assert "did you mean 'rabbitmq'" in run("lint", "d.msgarch", "--select", "S001").output
