"""No input may end in a traceback: random text, random bytes and mutated valid files
all give exit code 0, 1 or 2, and 2 always comes with a located message."""

from __future__ import annotations

import re

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from msgarch.cli.main import cli
from tests.conftest import EXAMPLES
from tests.test_parser import SPEC_EXAMPLE

LOCATED = re.compile(r"^-:\d+:\d+: error: ", re.MULTILINE)
SEEDS = [SPEC_EXAMPLE] + [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.msgarch"))] + [
    p.read_text(encoding="utf-8")
    for p in sorted((EXAMPLES.parent / "tests" / "fixtures" / "channels").glob("*.msgarch"))]
TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[A-Za-z_0-9.%/µ-]+|->|-\[|\]->|\S|\n')
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_clean_outcome(data: bytes, command: str = "lint") -> None:
    result = CliRunner().invoke(cli, [command, "-"], input=data, catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        assert LOCATED.search(result.output), result.output


@FUZZ
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_random_text(text):
    assert_clean_outcome(text.encode("utf-8"))


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(data):
    assert_clean_outcome(data, "check")


@st.composite
def mutated_source(draw):
    tokens = TOKEN.findall(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        if not tokens:
            break
        i = draw(st.integers(0, len(tokens) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "replace"]))
        if action == "delete":
            del tokens[i]
        elif action == "duplicate":
            tokens.insert(i, tokens[i])
        elif action == "swap":
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        else:
            tokens[i] = draw(st.sampled_from(["{", "}", ";", "->", ":", ",", "0", "1e9", "\"", "-", "rate",
                                              "flow", "99999999999999999999/s", "0.0001us", "µ", "\n"]))
    return " ".join(tokens).encode("utf-8")


@FUZZ
@given(mutated_source())
def test_mutated_valid_files(data):
    assert_clean_outcome(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_source(), st.sampled_from([["plan", "-"], ["render", "-", "-o", "-", "--format", "dot"],
                                          ["recommend", "-"]]))
def test_other_commands_on_mutated_files(data, command):
    result = CliRunner().invoke(cli, command, input=data, catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), result.output


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["1", "999999", "1000000000000000", "0.001"]),
       st.sampled_from(["k", "M", ""]), st.sampled_from(["0%", "15%", "1000%"]))
def test_extreme_figures_finish_without_error(number, prefix, growth):
    source = (f'system "x" {{ growth {growth} per year  horizon 50 years }}\nbroker q : kafka\n'
              f"component a\ncomponent b {{ instances 10000000  capacity 1/s }}\nmessage M {{ size 1GB }}\n"
              f"flow a -> b : M {{ via q  pattern queue  rate {number}{prefix}/s  partitions 3 }}\n")
    for command in (["lint", "-"], ["plan", "-"]):
        result = CliRunner().invoke(cli, command, input=source, catch_exceptions=False)
        assert result.exit_code in (0, 1, 2), result.output
