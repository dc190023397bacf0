"""Hostile text in a model neither breaks nor injects into DOT, Mermaid, SVG or HTML.

Names are identifiers, but the system name, descriptions, owners, zones, versions,
message schema paths, channel addresses, routing keys and filters, and the file's own
path can hold anything: quotes, backslashes, markup, Graphviz escapes (\\N, \\G), record and Mermaid syntax, control characters.
"""

from __future__ import annotations

import re
import shutil
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from msgarch.model.loader import load_model
from msgarch.render import build_scene, draw, to_dot, to_html, to_mermaid
from msgarch.render.html import DOCS_URL, SCRIPT, SCRIPT_HASH
from msgarch.render.text import clean

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed (apt-get install graphviz)")
SVG = "{http://www.w3.org/2000/svg}"

#: As the model holds them (after the .msgarch string escapes are read).
HOSTILE = [
    '</title><script>alert(1)</script><img src=x onerror=alert(2)>',
    'say "hi" \\ C:\\new\\table \\N \\G \\E \\T \\H \\L \\l \\n end\\',
    '&amp; &lt;b&gt; &#60;i&#62; &foo; & <&>',
    '{a|b} [c] ]] > <<TABLE>> record|{x} -->|"y"| z %%{init: {}}%% ; #35; `tick` $x',
    # raw control and bidi-override characters (\x01, \x7f, \u202e) are refused when a file is
    # read (issue 13: E001, tests/test_hardening.py); the renderers' own neutralising of them
    # is tested there on the escape functions
    'tab\there, replacement \ufffd, emoji \U0001F680, nbsp\u00a0x, zero-width\u200bjoiner',
    '<!-- comment --> <![CDATA[ x ]]> <?pi?> subgraph end click x call alert()',
]


def msgarch_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hostile_source(index: int) -> str:
    """A model holding hostile strings. A `version` must start with a version number
    (anything else is unusable input, exit 2); what follows it can be anything."""
    h = HOSTILE[index % len(HOSTILE)]
    nxt = HOSTILE[(index + 1) % len(HOSTILE)]
    version = msgarch_string("4.0 " + nxt)
    return f"""
system {msgarch_string(h)} {{ headroom 70% }}
broker bus : rabbitmq {{ nodes 2  version {version}  capacity 1k/s per node }}
broker log : kafka
broker rabbit : rabbitmq {{ version {version} }}
channel ex on rabbit : exchange {{ type topic  address {msgarch_string(nxt)} }}
channel q on rabbit : queue {{ durable  dead-letter q-dead }}
channel q-dead on rabbit : queue
route ex -> q {{ key {msgarch_string(h)} }}
component alpha {{
  instances 2  capacity 100/s
  zone {msgarch_string(h)}
  owner {msgarch_string(nxt)}
  description {msgarch_string(h)}
  publishes P to ex {{ key {msgarch_string(h)}  rate 2/s }}
}}
component beta {{
  capacity 50/s  zone {msgarch_string(nxt)}  description {msgarch_string(nxt)}
  consumes P from q {{ filter {msgarch_string(nxt)} }}
  consumes P from q-dead
}}
component gamma {{ external  owner {msgarch_string(h)}  description {msgarch_string(h + nxt)} }}
message M {{ size 1KB  schema {msgarch_string(h)} }}
message N {{ schema {msgarch_string(nxt)} }}
message P {{ schema {msgarch_string(h)} }}
flow alpha -> beta : M {{ via bus  rate 20/s  peak 60/s }}
flow gamma -> alpha, beta : N {{ via log  pattern pubsub  rate 5/s }}
flow beta -> alpha : M {{ via bus  pattern request-reply  rate 1/s }}
"""


@pytest.fixture(params=range(len(HOSTILE)), ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def hostile(request, tmp_path):
    """(model, the two hostile strings it holds) read from a file whose own name is hostile."""
    name = 'we"ird <b>&amp; {x}|[y] \\N $(id).msgarch' if sys.platform != "win32" else "weird.msgarch"
    path = tmp_path / name
    path.write_text(hostile_source(request.param), encoding="utf-8")
    model = load_model(str(path))
    return model, HOSTILE[request.param], HOSTILE[(request.param + 1) % len(HOSTILE)]


def test_the_model_really_holds_the_hostile_text(hostile):
    model, h, nxt = hostile
    assert model.components["alpha"].description == h
    assert model.components["alpha"].zone == h
    assert model.messages["M"].schema == h
    assert model.brokers["bus"].version == "4.0 " + nxt


def test_dot_keeps_its_structure(hostile):
    model, h, nxt = hostile
    dot = to_dot(build_scene(model), "dot")
    statements = [line.strip() for line in dot.splitlines()]
    # Every line is a statement msgarch writes: nothing from the model opened a new one.
    allowed = re.compile(r'^(//.*|digraph msgarch \{|\}|subgraph "[A-Za-z0-9_]+" \{|\{ rank=same; .*\}|'
                         r'(graph|node|edge) \[.*\];|"[A-Za-z0-9_]+" (-> "[A-Za-z0-9_]+" )?\[.*\];)$')
    assert all(allowed.match(s) for s in statements if s), [s for s in statements if s and not allowed.match(s)]
    comment = statements[0]
    assert "\n" not in comment


@needs_dot
def test_graphviz_accepts_the_dot_and_the_svg_keeps_the_text_exactly(hostile):
    model, h, nxt = hostile
    scene = build_scene(model)
    svg = draw(scene, "svg")
    root = ET.fromstring(svg.encode("utf-8"))  # well-formed XML despite the input
    assert not [e for e in root.iter() if e.tag in (SVG + "script", SVG + "foreignObject", SVG + "a")]
    assert not [k for e in root.iter() for k in e.attrib if k.lower().startswith("on")]
    groups = {g.get("id"): g for g in root.iter(SVG + "g") if g.get("id")}
    # Tooltips (what a browser shows on hover) hold the model's text exactly.
    alpha = groups["c_alpha"].find(SVG + "title").text
    assert f"description: {clean(h)}" in alpha and f"owner: {clean(nxt)}" in alpha
    flow_title = next(groups[e.id].find(SVG + "title").text for e in scene.edges if e.message == "M")
    assert f"schema: {clean(h)}" in flow_title
    # Labels drawn by Graphviz read as the model wrote them (Graphviz turns runs of
    # spaces into no-break spaces).
    texts = [" ".join(t.text or "" for t in g.iter(SVG + "text")).replace("\u00a0", " ")
             for g in groups.values() if g.get("class") == "cluster"]
    assert any(clean(h).replace("\u00a0", " ") in text for text in texts)
    # Every node made it, and no other.
    nodes = sorted(g.get("id") for g in root.iter(SVG + "g") if g.get("class") == "node"
                   and not g.get("id", "").startswith("legend_"))
    assert nodes == ["b_bus", "b_log", "c_alpha", "c_beta", "c_gamma", "ch_ex", "ch_q", "ch_q_hdead"]
    # The channel view's parts keep the text exactly too: the route's key in its
    # tooltip, the exchange's address in its tooltip, the broker in its cluster's.
    route = next(e for e in scene.edges if e.role == "route")
    assert f'key "{clean(h)}"' in groups[route.id].find(SVG + "title").text
    assert f"address: {clean(repr(nxt))}" in groups["ch_ex"].find(SVG + "title").text
    assert groups["cluster_broker_rabbit"].find(SVG + "title").text.startswith("broker rabbit: rabbitmq 4.0 ")


@needs_dot
@pytest.mark.parametrize("output_format", ["png", "pdf"])
def test_graphviz_draws_hostile_text_to_binary_formats(hostile, output_format):
    model, _, _ = hostile
    data = draw(build_scene(model), output_format)
    assert data[:4] in (b"\x89PNG", b"%PDF")


def test_mermaid_keeps_its_structure(hostile):
    model, h, nxt = hostile
    text = to_mermaid(build_scene(model))
    ident = r"[A-Za-z0-9_]+"
    quoted = r'"[^"]*"'
    allowed = re.compile(
        rf'^(%%[^\n]*|flowchart TB|end|direction LR|'
        rf'subgraph {ident}\[{quoted}\]|'
        rf'{ident}(\[{quoted}\]|\{{\{{{quoted}\}}\}}|\[\[{quoted}\]\]|\(\[{quoted}\]\)|\[\({quoted}\)\]|'
        rf'\[/{quoted}\\\]|\[/{quoted}/\]|\{{{quoted}\}}|\({quoted}\)|>{quoted}\]|\(\({quoted}\)\))|'
        rf'{ident} (-->|-\.->|==>)\|{quoted}\| {ident}|{ident} --> {ident}|{ident} ~~~ {ident}|'
        rf'classDef {ident} [^\s]+( [^\s]+)*|class {ident}(,{ident})* {ident}|'
        rf'linkStyle \d+(,\d+)* [^\s]+( \d+)?)$')
    for line in text.splitlines():
        assert allowed.match(line.strip()), line
    for line in text.splitlines():
        if line.startswith("%%"):
            continue
        for label in re.findall(r'"([^"]*)"', line):
            # Inside a label only entity codes, letters and inert punctuation remain.
            bare = re.sub(r"#\d+;", "", label.replace("<br/>", ""))
            assert not re.search(r"[<>&|;#`{}\[\]\\]", bare), label
            assert "%%" not in label


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.text, self.links, self.scripts = [], [], [], [], []
        self.in_script = False

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs if name != "href"]
        self.links += [value for name, value in attrs if name == "href"]
        self.in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self.in_script:
            self.scripts.append(data)
        else:
            self.text.append(data)

    def handle_comment(self, data):
        self.tags.append("!--")


HTML_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "code",
             "section", "figure", "table", "thead", "tbody", "tr", "th", "td", "caption", "span",
             "br", "ul", "li",
             # the report's controls, its one fixed script and its links to the rule docs
             "main", "aside", "pre", "div", "button", "label", "select", "option", "input", "details",
             "summary", "a", "script"}
SVG_TAGS = {"svg", "g", "title", "path", "polygon", "polyline", "ellipse", "text", "desc"}


def check_html(html: str, *expected_text: str) -> None:
    collector = _Collector()
    collector.feed(html)
    assert set(collector.tags) <= HTML_TAGS | SVG_TAGS, set(collector.tags) - HTML_TAGS - SVG_TAGS
    assert not [a for a in collector.attributes if a.lower().startswith("on") or a.lower() in ("href", "src")]
    # Links only to the rule docs, by rule code; the one script is the fixed one the policy hashes.
    assert all(re.fullmatch(re.escape(DOCS_URL) + r"/[A-Z]\.md#[a-z][0-9]{3}-[a-z0-9-]+", link)
               for link in collector.links), collector.links
    assert collector.tags.count("script") == 1 and collector.scripts == [SCRIPT]
    assert f"script-src '{SCRIPT_HASH}'" in html and "unsafe-eval" not in html
    text = "".join(collector.text).replace("`", "")  # `code` in a message is drawn as <code>code</code>
    for expected in expected_text:
        assert clean(expected).replace("`", "") in text


def test_html_shows_hostile_text_as_text_only(hostile):
    model, h, nxt = hostile
    from msgarch.diagnostics import Diagnostic, Severity

    finding = Diagnostic("X001", "hostile-rule", Severity.ERROR, h, model.components["alpha"].span, nxt)
    html = to_html(build_scene(model, [finding]), "<svg/>")
    check_html(html, h, nxt)
    assert html.count("<script") == 1 and "<img" not in html  # the one script is the fixed one


@needs_dot
def test_html_report_with_graphviz_svg_is_inert(hostile):
    model, h, nxt = hostile
    html = draw(build_scene(model), "html")
    check_html(html, h)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


@needs_dot
@pytest.mark.parametrize("index", range(len(HOSTILE)))
def test_cli_renders_every_format_from_a_hostile_path(tmp_path, run, index):
    name = 'we"ird <b>&amp; {x}|[y] \\N $(id).msgarch' if sys.platform != "win32" else "weird.msgarch"
    source = tmp_path / name
    source.write_text(hostile_source(index), encoding="utf-8")
    for suffix in ("dot", "mmd", "svg", "png", "pdf", "html"):
        out = tmp_path / f"out.{suffix}"
        result = run("render", source, "-o", out, "--heat")
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    check_html((tmp_path / "out.html").read_text(encoding="utf-8"), HOSTILE[index])
