"""`msgarch fmt`: the canonical layout, comments kept, idempotent, the same model.

Properties over every example, fixture and docs block that parses, over Hypothesis
models (tests/test_diff_properties.py's generators, which vary layout and comments) and
over random sentences of the grammar itself (every construct, random separators,
comments and blank lines).
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from lark.exceptions import UnexpectedInput

from msgarch.diagnostics import InputError, Span
from msgarch.dsl import cst
from msgarch.dsl.parser import parse
from msgarch.fmt import LINE_LIMIT, format_source
from msgarch.fmt.order import RANK
from msgarch.lint.suppress import find_suppressions
from msgarch.model.loader import load_model
from tests.conftest import EXAMPLES, ROOT
from tests.test_diff_properties import architectures, channel_architectures, channel_source, source

PROPERTIES = settings(max_examples=60, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

DOCS = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def _sources() -> dict[str, str]:
    """Every .msgarch file in the repository and every docs code block that parses."""
    found = {}
    for path in sorted(ROOT.glob("examples/**/*.msgarch")) + sorted(ROOT.glob("tests/**/*.msgarch")):
        text = path.read_text(encoding="utf-8")
        try:
            parse(text, str(path))
        except InputError:
            continue
        found[str(path.relative_to(ROOT))] = text
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            try:
                parse(match.group(2), "block.msgarch")
            except InputError:
                continue
            line = text[:match.start()].count("\n") + 1
            found[f"{doc.relative_to(ROOT)}:{line}"] = match.group(2)
    return found


SOURCES = _sources()


def _shape(value):
    """A model as plain data without positions, for "builds the same model" (fields the
    model itself leaves out of its equality, such as the syntax a kind keeps, left out)."""
    if isinstance(value, Span):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value).__name__, tuple(
            (f.name, _shape(getattr(value, f.name))) for f in dataclasses.fields(value)
            if f.compare and "span" not in f.name and f.name not in ("files", "root"))
    if isinstance(value, dict) or hasattr(value, "items") and hasattr(value, "keys"):
        return tuple(sorted(((k, _shape(v)) for k, v in value.items()), key=repr))
    if isinstance(value, (list, tuple)):
        return tuple(_shape(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted((_shape(v) for v in value), key=repr))
    return value


def _model(text: str, path: str):
    try:
        return _shape(load_model(path, text=text))
    except InputError as error:  # the same refusal, wherever it points
        return "unusable", tuple(sorted(d.message for d in error.diagnostics))


def assert_fmt_properties(text: str, path: str) -> str:
    out = format_source(text, path)
    assert format_source(out, path) == out, "not idempotent"
    assert _model(out, path) == _model(text, path), "not the same model"
    return out


# --- every rule of the grammar has a case --------------------------------------------

def _block_items(rules: dict, declaration: str) -> set[str]:
    """The named rules a declaration's block may hold, from the grammar."""
    blocks = {s for expansion in rules[declaration] for s in expansion if s.startswith("_block{")}
    seen, items, todo = set(), set(), list(blocks)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for expansion in rules.get(name, []):
            for symbol in expansion:
                if symbol in rules and not symbol.startswith("_"):
                    items.add(symbol)
                elif symbol in rules and symbol != "_sep":
                    todo.append(symbol)
    return items


def test_every_grammar_rule_has_a_formatter_case():
    """Whoever adds a construct to the grammar adds its place to msgarch.fmt.order (or
    the header or declaration lists of msgarch.dsl.cst) in the same change."""
    rules = cst.grammar_rules()
    named = {r for r in rules if not r.startswith("_") and r != "start"}
    known = set(cst.DECLARATION_RULES) | set(cst.HEADER_RULES) | {i for b in RANK.values() for i in b}
    assert named - known == set(), "grammar rules the formatter does not know"
    for declaration in cst.DECLARATION_RULES:
        items = _block_items(rules, declaration)
        if declaration == "use":
            assert not items
            continue
        assert items == set(RANK[declaration]), (declaration, items ^ set(RANK[declaration]))


# --- examples and docs are canonical ---------------------------------------------------

def test_fmt_check_passes_on_the_examples(run):
    result = run("fmt", "--check", EXAMPLES)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("doc", [d for d in DOCS if "```msgarch" in d.read_text(encoding="utf-8")],
                         ids=lambda d: str(d.relative_to(ROOT)))
def test_docs_msgarch_blocks_are_canonical(doc):
    text = doc.read_text(encoding="utf-8")
    for match in FENCE.finditer(text):
        if match.group(1) != "msgarch":
            continue
        line = text[:match.start()].count("\n") + 1
        assert format_source(match.group(2), f"{doc.name}:{line}") == match.group(2), f"{doc.name}:{line}"


# --- the properties ------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SOURCES))
def test_properties_hold_on_every_example_and_docs_block(name, tmp_path):
    path = ROOT / name if not re.search(r":\d+$", name) else tmp_path / "block.msgarch"
    assert_fmt_properties(SOURCES[name], str(path))


@pytest.mark.parametrize("name", sorted(n for n in SOURCES if n.startswith("examples/")))
def test_suppressions_silence_the_same_findings_after_fmt(name, tmp_path):
    """Comments stay on the lines they silence: lint's findings (codes and messages) and
    its unused-suppression reports are the same before and after."""
    from msgarch import api
    from msgarch.lint.config import Config

    original = ROOT / name
    copy = tmp_path / original.relative_to(EXAMPLES)
    copy.parent.mkdir(parents=True, exist_ok=True)
    for sibling in original.parent.glob("*.msgarch"):  # includes beside it
        (copy.parent / sibling.name).write_text(sibling.read_text(encoding="utf-8"), encoding="utf-8")
    copy.write_text(format_source(original.read_text(encoding="utf-8"), str(copy)), encoding="utf-8")

    def findings(path):
        return sorted((d.code, d.message) for d in api.lint([str(path)], Config()).diagnostics)

    assert findings(copy) == findings(original)


@PROPERTIES
@given(architectures(), st.randoms(use_true_random=False), st.integers(0, 2))
def test_properties_hold_on_generated_models(spec, rnd, style):
    assert_fmt_properties(source(spec, rnd, style), "arch.msgarch")


@PROPERTIES
@given(channel_architectures(), st.randoms(use_true_random=False))
def test_properties_hold_on_generated_channel_models(spec, rnd):
    assert_fmt_properties(channel_source(spec, rnd), "arch.msgarch")


# random sentences of the grammar: every construct, with random separators and comments

_NAMES = ("a", "b", "orders", "svc-2", "Order_v1")
_TERMINAL_TEXT = {
    "NAME": _NAMES,
    "STRING": ('"x"', '"a # not a comment"', '"q\\"uote"', '""'),
    "QUANTITY": ("3", "10/s", "2KB", "15%", "1.5k/s", "50ms", "0"),
    "SWITCH": ("on", "off", "yes"),
    "YEARS": ("years", "year"),
}


@st.composite
def sentences(draw):
    parser = cst._parser()
    rules = cst.grammar_rules()
    literal = {t.name: t.pattern.value for t in parser.terminals if t.pattern.type == "str"}
    depth_of: dict[str, int] = {}
    for _ in range(len(rules)):  # the shortest derivation depth of each rule
        for name, expansions in rules.items():
            best = min((1 + max((depth_of.get(s, 10 ** 6) if s in rules else 0 for s in e), default=0)
                        for e in expansions), default=0)
            depth_of[name] = min(depth_of.get(name, 10 ** 6), best)
    out: list[str] = []

    def expand(name: str, budget: int) -> None:
        options = rules[name]
        if budget <= 0:
            options = sorted(options, key=lambda e: max((depth_of.get(s, 0) for s in e), default=0))[:1]
        for symbol in draw(st.sampled_from(options)):
            if symbol in rules:
                expand(symbol, budget - 1)
            elif symbol == "_NEWLINE":
                out.append(draw(st.sampled_from(["\n", "\n\n", "  # why\n", "\n# own line\n", "\n\n\n"])))
            elif symbol in _TERMINAL_TEXT:
                out.append(draw(st.sampled_from(_TERMINAL_TEXT[symbol])))
            else:
                out.append(literal[symbol])

    expand("start", 9)
    return " ".join(out)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(sentences())
def test_properties_hold_on_random_sentences_of_the_grammar(text):
    try:
        cst.parse(text)
    except UnexpectedInput:
        assume(False)
    out = format_source(text, "random.msgarch")  # checks the syntax tree and the comments itself
    assert format_source(out, "random.msgarch") == out


# --- the layout ----------------------------------------------------------------------

def fmt(text: str) -> str:
    return format_source(text, "t.msgarch")


def test_canonical_layout():
    text = (
        "# head\n\n\n"
        "component   a{instances 2;capacity 3/s}\n"
        "component bbb { idempotent  instances 1 }\n"
        "flow a->bbb,c:M{\n"
        "      rate 1/s    # trailing\n"
        "  via bus\n"
        "\n\n"
        "  durable; pattern queue\n"
        "  }\n"
    )
    assert fmt(text) == (
        "# head\n\n"
        "component a   { instances 2  capacity 3/s }\n"
        "component bbb { instances 1  idempotent }\n"
        "flow a -> bbb, c : M {\n"
        "  via bus\n"
        "  rate 1/s        # trailing\n"
        "\n"
        "  pattern queue\n"
        "  durable\n"
        "}\n"
    )


def test_every_construct_prints_in_its_canonical_form():
    text = (
        'system "S" { requires monitoring,open-source  growth 10% per year  horizon 3 years }\n'
        'use "other.msgarch"\n'
        "broker b : redis { plugins x y  persistence aof  nodes 1 }\n"
        "kind k { ack after-processing  via b  key by id }\n"
        "flow a , b -[k]-> c : M { ordered by id  delay }\n"
        "channel q on b : queue { max-length 10  type quorum  dead-letter dlq }\n"
        "route x , y -> q { key \"a.*\" \"b\" }\n"
        "publish a -> q : M , N { rate 1/s  key \"k\"  kind k }\n"
        "consume q -> c : M { on-error retry 3 backoff 1s .. 30s then drop  group g  processing 1s max 2s }\n"
        "component c { consumes M from q { prefetch 1  ack auto }  instances 2  publishes N to x }\n"
    )
    assert fmt(text) == (
        'system "S" { growth 10% per year  horizon 3 years  requires monitoring, open-source }\n'
        'use "other.msgarch"\n'
        "broker b : redis { nodes 1  persistence aof  plugins x y }\n"
        "kind k { via b  key by id  ack after-processing }\n"
        "flow a, b -[k]-> c : M { ordered by id  delay }\n"
        "channel q on b : queue { type quorum  max-length 10  dead-letter dlq }\n"
        'route x, y -> q { key "a.*" "b" }\n'
        'publish a -> q : M, N { kind k  key "k"  rate 1/s }\n'
        "consume q -> c : M { group g  on-error retry 3 backoff 1s..30s then drop  processing 1s max 2s }\n"
        "component c { instances 2  consumes M from q { ack auto  prefetch 1 }  publishes N to x }\n"
    )


def test_a_long_one_line_block_is_spread_one_property_per_line():
    head = "flow producer-service -> consumer-service : SomeMessage"
    text = head + " { via bus  rate 10/s  peak 20/s  latency 50ms  delivery at-least-once  durable }\n"
    assert len(text) > LINE_LIMIT
    assert fmt(text) == (head + " {\n  via bus\n  rate 10/s\n  peak 20/s\n  latency 50ms\n"
                         "  durable\n  delivery at-least-once\n}\n")
    nested = "component c { publishes SomeMessageType to some-long-channel { key \"k\"  rate 1/s  confirms  persistent } }\n"
    assert len(nested) > LINE_LIMIT
    assert fmt(nested) == ("component c {\n  publishes SomeMessageType to some-long-channel { key \"k\"  confirms  persistent"
                           "  rate 1/s }\n}\n")


def test_a_one_line_block_is_kept_whole_when_spreading_would_not_make_it_fit():
    head = "publish frontend -> shell : " + ", ".join(f"request_number_{i}" for i in range(6))
    assert len(head) > LINE_LIMIT
    assert fmt(head + " { pattern request-reply }\n") == head + " { pattern request-reply }\n"


def test_a_block_on_a_commented_or_suppressed_line_is_never_spread():
    """The comment speaks of everything on its line (a source citation, a suppression)."""
    head = "flow producer-service -> consumer-service : SomeMessage"
    text = head + " { via bus  rate 10/s  peak 20/s  latency 50ms  delivery at-least-once  durable }"
    for written in (text + "  # msgarch: ignore[P103]\n", "# msgarch: ignore[P103]\n" + text + "\n",
                    text + "  # file.cs:12\n"):
        out = fmt(written)
        assert len(out.splitlines()) == len(written.splitlines())
        assert [s.target_line for s in find_suppressions("t", out)] == \
            [s.target_line for s in find_suppressions("t", written)]


def test_comments_stay_where_they_are():
    text = (
        "# file header\n"
        "\n"
        "# about a\n"
        "component a {  # header comment\n"
        "  # about instances\n"
        "  instances 2           # aligned by hand\n"
        "  capacity 3/s          # two lines of\n"
        "                        # explanation\n"
        "  # the end of the block\n"
        "}  # after the brace\n"
        "flow a -> a : M { rate 1/s }  # msgarch: ignore[R501]\n"
        "\n"
        "# the end of the file\n"
    )
    assert fmt(text) == text


def test_a_trailing_comment_keeps_its_column_or_moves_two_spaces_after_the_code():
    assert fmt("component a { instances 2 }        # x\n") == "component a { instances 2 }        # x\n"
    assert fmt("component a{instances 2} # x\n") == "component a { instances 2 }  # x\n"


def test_blank_lines_collapse_and_leave_the_edges():
    assert fmt("\n\n\ncomponent a\n\n\n\ncomponent b\n\n\n") == "component a\n\ncomponent b\n"
    assert fmt("component a {\n\n  instances 2\n\n\n  capacity 1/s\n\n}\n") == \
        "component a {\n  instances 2\n\n  capacity 1/s\n}\n"


def test_empty_input_and_empty_blocks():
    assert fmt("") == ""
    assert fmt("\n\n") == ""
    assert fmt("# only a comment") == "# only a comment\n"
    assert fmt("component a {\n}\n") == "component a { }\n"
    assert fmt("component a {\n  # later\n}\n") == "component a {\n  # later\n}\n"


def test_units_and_strings_stay_as_written():
    text = 'component a { capacity 1.5k/s  description "a \\"b\\" # c" }\nmessage M { size 2KiB }\n'
    assert fmt(text) == text


def test_crlf_and_a_byte_order_mark_are_read():
    assert fmt("\ufeffcomponent a {\r\n  instances 2  # x\r\n}\r\n") == "component a {\n  instances 2  # x\n}\n"


def test_a_syntax_error_raises_the_parsers_input_error():
    with pytest.raises(InputError) as caught:
        format_source("component a {\n  instances 2\n", "broken.msgarch")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "E001" and diagnostic.span.path == "broken.msgarch"
    assert (diagnostic.span.line, diagnostic.span.column) == (2, 14)


# --- the command line ----------------------------------------------------------------

MESSY = "component a{instances 2}\n"
TIDY = "component a { instances 2 }\n"


def test_fmt_rewrites_files_in_place_and_keeps_their_mode(run, write):
    messy = write("arch/a.msgarch", MESSY)
    tidy = write("arch/b.msgarch", TIDY)
    os.chmod(messy, 0o640)
    result = run("fmt", messy.parent)
    assert result.exit_code == 0, result.output
    assert messy.read_text(encoding="utf-8") == TIDY and tidy.read_text(encoding="utf-8") == TIDY
    assert os.stat(messy).st_mode & 0o777 == 0o640
    assert f"reformatted {messy}" in result.output
    assert "1 file reformatted, 1 file left unchanged" in result.output
    assert sorted(p.name for p in messy.parent.iterdir()) == ["a.msgarch", "b.msgarch"]


def test_fmt_check_names_the_files_that_would_change(run, write):
    messy = write("a.msgarch", MESSY)
    tidy = write("b.msgarch", TIDY)
    result = run("fmt", "--check", messy, tidy)
    assert result.exit_code == 1
    assert f"would reformat {messy}" in result.output and f"would reformat {tidy}" not in result.output
    assert messy.read_text(encoding="utf-8") == MESSY
    assert run("fmt", "--check", tidy).exit_code == 0


def test_fmt_diff_prints_a_unified_diff(run, write):
    messy = write("a.msgarch", MESSY)
    result = run("fmt", "--diff", messy)
    assert result.exit_code == 1
    assert f"--- {messy}\n+++ {messy}\n" in result.output
    assert "-component a{instances 2}\n+component a { instances 2 }\n" in result.output
    assert messy.read_text(encoding="utf-8") == MESSY


def test_fmt_reads_stdin_and_writes_stdout(run):
    result = run("fmt", "-", input=MESSY)
    assert result.exit_code == 0 and result.output == TIDY
    assert run("fmt", "-", input=TIDY).output == TIDY
    assert run("fmt", "--check", "-", input=MESSY).exit_code == 1


def test_a_file_with_a_syntax_error_is_never_rewritten(run, write):
    broken = write("broken.msgarch", "component a{instances 2\n")
    messy = write("messy.msgarch", MESSY)
    before = broken.read_bytes()
    result = run("fmt", broken, messy)
    assert result.exit_code == 2
    assert re.search(rf"{re.escape(str(broken))}:1:24: error: .*\[E001\]", result.output), result.output
    assert "Traceback" not in result.output
    assert broken.read_bytes() == before
    assert messy.read_text(encoding="utf-8") == TIDY  # the others are still formatted
    assert "1 file reformatted, 0 files left unchanged, 1 file not formatted (see above)" in result.output
    assert run("fmt", "-", input="flow ->\n").exit_code == 2


def test_fmt_without_msgarch_files_is_unusable_input(run, tmp_path):
    result = run("fmt", tmp_path)
    assert result.exit_code == 2 and "no .msgarch files" in result.output


def test_lint_explain_prints_the_rule_page(run):
    page = run("rule", "B203")
    explained = run("lint", "--explain", "B203")
    assert explained.exit_code == 0 and explained.output == page.output
    assert "B203 no-priority" in explained.output and "Fails:" in explained.output
    assert run("lint", "--explain", "E001").output == run("rule", "E001").output
    assert run("lint", "--explain", "Z999").exit_code == 2


def test_a_symbolic_link_stays_a_link_to_the_rewritten_file(run, write):
    target = write("real.msgarch", MESSY)
    link = target.parent / "link.msgarch"
    link.symlink_to(target.name)
    result = run("fmt", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and target.read_text(encoding="utf-8") == TIDY
