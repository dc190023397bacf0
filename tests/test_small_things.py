"""Small things a user noticed (issue 14, item 6): counts, units and repeated rows."""

from __future__ import annotations

import re

from msgarch.analysis import figures as fig
from tests.conftest import ROOT

BASE = """\
broker b : rabbitmq
component a
component c { instances 2  capacity 100/s }
message M { size 1KB }
flow a -> c : M { via b  pattern queue  rate 10/day }
"""


def test_rates_below_one_per_second_read_as_written():
    assert fig.rate(10 / 86400) == "10/day"
    assert fig.rate(0.5) == "30/min"
    assert fig.rate(2 / 3600) == "2/h"
    assert fig.rate(1450) == "1450/s" and fig.rate(20_000) == "20k/s"
    assert "0.000116/s" not in fig.rate(0.000116)


def test_plan_writes_small_loads_per_day(write, run):
    path = write("a.msgarch", BASE.replace("capacity 100/s", "capacity 100/s").replace(
        "component c { instances 2  capacity 100/s }", "component c"))
    out = run("plan", path).output
    assert "10/day at peak today" in out and "/s at peak today" not in out


def test_zero_growth_does_not_repeat_identical_years(write, run):
    path = write("a.msgarch", 'system "S" { growth 0% per year  horizon 3 years }\n' + BASE)
    out = run("plan", path).output
    rows = [line for line in out.splitlines() if line.startswith(("c ", "b "))]
    assert rows and all(re.search(r"\s0-3\s", row) for row in rows), rows
    grown = run("plan", write("g.msgarch", 'system "S" { growth 50% per year  horizon 3 years }\n'
                              + BASE.replace("10/day", "40/s"))).output
    assert len([line for line in grown.splitlines() if line.startswith("c ")]) == 4
    markdown = run("plan", path, "--format", "markdown").output
    assert "| 0-3 |" in markdown
    json_years = run("plan", path, "--format", "json").output
    assert '"year": 3' in json_years  # the data keeps every year


def test_one_duration_unit_per_component_and_message():
    assert fig.seconds_alike(0.0, 0.0902e-6) == ["0 us", "0.0902 us"]
    assert fig.seconds_alike(0.0173, 0.00254) == ["17.3 ms", "2.54 ms"]
    assert fig.seconds_alike(0.0, 0.0) == ["0 ms", "0 ms"]


def test_plan_table_never_mixes_units_within_a_component(run):
    out = run("plan", ROOT / "examples" / "order-platform.msgarch").output
    rows = {}
    for line in out.splitlines():
        found = re.findall(r"(\d[\d.]*|<0\.001) (us|ms|s|min|h|d)\b", line)
        if len(found) == 2:
            rows.setdefault(line.split()[0], set()).update(unit for _, unit in found)
    assert rows and all(len(units) == 1 for units in rows.values()), rows
    assert "0 ms" not in out or all(" us " not in line for line in out.splitlines() if " 0 ms " in line)


def test_diff_names_the_system_once_and_an_unset_value(write, run):
    old = write("old.msgarch", BASE)
    new = write("new.msgarch", 'system "Ledger events"\n' + BASE)
    out = run("diff", old, new).output
    assert "system system" not in out
    assert "\nsystem  changed" in out
    assert "name: (none) -> Ledger events" in out and "name:  ->" not in out
    markdown = run("diff", old, new, "--format", "markdown").output
    assert "system `system`" not in markdown and "#### system: changed" in markdown


def test_a_missing_file_is_not_found_in_zero_files(run, tmp_path):
    out = run("lint", tmp_path / "missing.msgarch").output
    assert "in 0 files" not in out
    assert out.splitlines()[-1] == "Found 1 problem (1 error, 0 warnings, 0 info); no file could be read."


def test_readme_names_the_python_version_and_test_time():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[:readme.index("## A short example")]
    assert "Python 3.11 or newer" in head
    assert re.search(r"takes about \d+ minutes", head)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'requires-python = ">=3.11"' in pyproject


def test_report_counts_are_singular_where_one(write, run, tmp_path):
    """The HTML report's summary said "1 brokers"."""
    out = tmp_path / "r.html"
    result = run("render", write("a.msgarch", BASE), "-o", str(out))
    assert result.exit_code in (0, 1), result.output
    text = out.read_text(encoding="utf-8")
    assert "1 broker," in text and "1 brokers" not in text and "2 components" in text
    assert "1 flow resolved" in text
