"""`msgarch render FILE -o OUT`: formats, options, stdout, errors, and life without Graphviz."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDERS = ROOT / "examples" / "order-platform.msgarch"
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed (apt-get install graphviz)")

SMALL = """
system "Small" { headroom 70% }
broker bus : rabbitmq { nodes 1  capacity 100/s per node }
component web { zone front }
component worker { instances 2  capacity 20/s  zone back }
component lonely
message Job { size 1KB }
flow web -> worker : Job { via bus  rate 20/s  peak 30/s }
"""


@needs_dot
@pytest.mark.parametrize("suffix, magic", [
    ("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF"), ("dot", b"// msgarch"),
    ("mmd", b"%% msgarch"), ("html", b"<!DOCTYPE html>"),
])
def test_the_suffix_picks_the_format(tmp_path, run, suffix, magic):
    out = tmp_path / f"orders.{suffix}"
    result = run("render", ORDERS, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(magic)


def test_format_option_wins_over_the_suffix(tmp_path, run):
    out = tmp_path / "diagram.txt"
    result = run("render", ORDERS, "-o", out, "--format", "mmd")
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("%% msgarch render")


def test_unknown_suffix_is_a_usage_error(tmp_path, run):
    result = run("render", ORDERS, "-o", tmp_path / "diagram.jpg")
    assert result.exit_code == 2
    assert "cannot tell the format" in result.output and ".svg" in result.output


@pytest.mark.parametrize("output_format, start", [("dot", "// msgarch"), ("mmd", "%% msgarch")])
def test_text_formats_go_to_stdout(run, output_format, start):
    result = run("render", ORDERS, "-o", "-", "--format", output_format)
    assert result.exit_code == 0 and result.stdout.startswith(start)


def test_stdout_defaults_to_dot(run):
    result = run("render", ORDERS, "-o", "-")
    assert result.exit_code == 0 and "digraph msgarch {" in result.stdout


@needs_dot
@pytest.mark.parametrize("output_format", ["svg", "html"])
def test_graphviz_text_formats_go_to_stdout(run, output_format):
    result = run("render", ORDERS, "-o", "-", "--format", output_format)
    assert result.exit_code == 0 and "<svg" in result.stdout


@pytest.mark.parametrize("output_format", ["png", "pdf"])
def test_binary_formats_refuse_stdout(run, output_format):
    result = run("render", ORDERS, "-o", "-", "--format", output_format)
    assert result.exit_code == 2 and "binary" in result.output


def test_reads_the_model_from_stdin(run):
    result = run("render", "-", "-o", "-", "--format", "mmd", input=SMALL)
    assert result.exit_code == 0, result.output
    assert 'c_worker["worker x2"]' in result.stdout


def test_unusable_input_exits_2_with_located_errors(write, run):
    path = write("bad.msgarch", "component a {\n  instances three\n}\n")
    result = run("render", path, "-o", "-")
    assert result.exit_code == 2
    assert "bad.msgarch:2" in result.stderr and result.stdout == ""


def test_missing_file_exits_2(tmp_path, run):
    result = run("render", tmp_path / "nope.msgarch", "-o", "-")
    assert result.exit_code == 2


def test_unwritable_output_exits_2(write, run, tmp_path):
    result = run("render", write("s.msgarch", SMALL), "-o", tmp_path / "no" / "such" / "dir.dot")
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_lint_findings_are_drawn(write, run):
    result = run("render", write("s.msgarch", SMALL), "-o", "-", "--format", "dot")
    assert result.exit_code == 0
    lonely = next(line for line in result.stdout.splitlines() if line.strip().startswith('"c_lonely"'))
    assert "S003" in lonely and 'color="#e08600"' in lonely  # warning: amber border


def test_heat_colours(write, run):
    result = run("render", write("s.msgarch", SMALL), "-o", "-", "--format", "dot", "--heat")
    lines = result.stdout.splitlines()
    worker = next(line for line in lines if line.strip().startswith('"c_worker"'))
    bus = next(line for line in lines if line.strip().startswith('"b_bus"'))
    # peak 30/s into 2 x 20/s is 75%, above the 70% headroom: amber
    assert 'fillcolor="#ffe08a"' in worker and "75% at peak" in worker
    # 30/s produced + 30/s delivered through 1 x 100/s: 60%, green
    assert 'fillcolor="#c8e6c9"' in bus and "60% at peak" in bus
    plain = run("render", write("s.msgarch", SMALL), "-o", "-", "--format", "dot").stdout
    assert "at peak</FONT>" not in plain and "#ffe08a" not in plain.split("cluster_legend")[0]


@pytest.mark.parametrize("group", ["zone", "broker", "none"])
def test_grouping_option(write, run, group):
    result = run("render", write("s.msgarch", SMALL), "-o", "-", "--group", group)
    assert result.exit_code == 0
    clusters = [line for line in result.stdout.splitlines() if line.strip().startswith("subgraph")]
    expected = {"zone": 3, "broker": 2, "none": 1}[group]  # + the legend's cluster
    assert len(clusters) == expected, clusters


@needs_dot
@pytest.mark.parametrize("layout", ["auto", "dot", "neato", "fdp", "sfdp", "circo", "twopi"])
def test_layout_option(write, run, tmp_path, layout):
    out = tmp_path / "s.svg"
    result = run("render", write("s.msgarch", SMALL), "-o", out, "--layout", layout)
    assert result.exit_code == 0, result.output
    ET.fromstring(out.read_bytes())


def test_no_legend(write, run):
    result = run("render", write("s.msgarch", SMALL), "-o", "-", "--no-legend")
    assert "legend_" not in result.stdout and "cluster_legend" not in result.stdout


@needs_dot
def test_html_report_holds_diagram_tables_and_legend(tmp_path, run):
    out = tmp_path / "orders.html"
    assert run("render", ORDERS, "-o", out, "--heat").exit_code == 0
    html = out.read_text()
    for marker in ('<section id="diagram" ', 'id="findings-table"', 'id="consumer-load"',
                   'id="broker-load"', '<section id="legend">'):
        assert marker in html
    assert html.count("<svg") == 2
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', "").split("<body>", 1)[1].split("<table")[0]


# --- without Graphviz ---------------------------------------------------------------


@pytest.fixture
def no_graphviz_programs(monkeypatch, tmp_path):
    """A PATH on which no Graphviz program can be found."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.parametrize("suffix", ["svg", "png", "pdf", "html"])
def test_graphviz_formats_without_dot_exit_2_naming_the_package(no_graphviz_programs, tmp_path, run, suffix):
    out = tmp_path / f"orders.{suffix}"
    result = run("render", ORDERS, "-o", out)
    assert result.exit_code == 2
    assert "Graphviz" in result.stderr and "apt-get install graphviz" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("suffix", ["dot", "mmd"])
def test_text_formats_need_no_graphviz(no_graphviz_programs, tmp_path, run, suffix):
    out = tmp_path / f"orders.{suffix}"
    assert run("render", ORDERS, "-o", out).exit_code == 0
    assert out.stat().st_size > 1000


def test_missing_graphviz_python_package_exits_2(monkeypatch, tmp_path, run):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz -> ImportError
    result = run("render", ORDERS, "-o", tmp_path / "orders.svg")
    assert result.exit_code == 2
    assert "pip install graphviz" in result.stderr and "apt-get install graphviz" in result.stderr


def test_lint_does_not_import_graphviz():
    code = ("import sys\nfrom msgarch.cli.main import cli\n"
            f"try:\n    cli.main(['lint', {str(ORDERS)!r}], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "print('graphviz' in sys.modules, 'msgarch.render' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False False"


def test_pdf_output_is_byte_identical_between_runs(tmp_path, monkeypatch):
    import shutil
    import time

    import pytest

    from msgarch.render.graphviz_run import run_graphviz

    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (scripts/test.sh installs it)")
    first = run_graphviz("digraph { a -> b }", "pdf")
    time.sleep(1.1)
    assert run_graphviz("digraph { a -> b }", "pdf") == first
    assert b"/CreationDate (D:19700101000000" in first
