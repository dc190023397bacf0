"""`msgarch lsp` driven over stdio by pytest-lsp's client, as an editor drives it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp", reason="pip install -e '.[test]' (pytest-lsp) to run the LSP tests")
pytest.importorskip("pygls", reason="pip install -e '.[lsp]' to run the LSP tests")

from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from msgarch import api  # noqa: E402
from msgarch.lint.config import Config, load_config  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

MAIN = """\
# Café orders — ünïcode in a comment
system "Orders" {
  growth 10% per year
}
use "common.msgarch"

broker bus : rabbitmq
broker events : kafka
broker cache : rabbitmqq

component shop { instances 2  capacity 100/s }
component billing {
  instances 1
  capacity 50/s
}
component audit

flow shop -> billing : Order {
  via events
  priority 3
  rate 20/s
}
flow shop -> billing, audit : Shipped { via bus  rate 5/s  delivery at-least-once }
"""

COMMON = """\
message Order { size 1KB }
message Shipped { size 1KB }
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "main.msgarch").write_text(MAIN, encoding="utf-8")
    (tmp_path / "common.msgarch").write_text(COMMON, encoding="utf-8")
    (tmp_path / ".git").mkdir()  # the configuration search stops here
    return tmp_path


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "msgarch", "lsp"]))
async def client(lsp_client: LanguageClient, project: Path):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=project.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="project")],
        initialization_options={"debounce": 20}))
    yield
    await lsp_client.shutdown_session()


def uri(path: Path) -> str:
    return path.as_uri()


async def open_doc(client: LanguageClient, path: Path, text: str | None = None) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri(path), language_id="msgarch", version=1,
        text=path.read_text(encoding="utf-8") if text is None else text)))


async def diagnostics(client: LanguageClient, path: Path, until=lambda items: True, timeout: float = 15.0):
    """The diagnostics of ``path`` once they satisfy ``until``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        items = client.diagnostics.get(uri(path))
        if items is not None and until(items):
            return items
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError(f"no matching diagnostics for {path.name}: {items}")
        try:
            await asyncio.wait_for(client.wait_for_notification("textDocument/publishDiagnostics"), remaining)
        except asyncio.TimeoutError:
            pass


def position(text: str, needle: str, offset: int = 0, nth: int = 0) -> types.Position:
    """The LSP position (UTF-16) of the nth ``needle`` in ``text`` plus ``offset`` characters."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    index += offset
    line = text.count("\n", 0, index)
    start = text.rfind("\n", 0, index) + 1
    return types.Position(line=line, character=len(text[start:index].encode("utf-16-le")) // 2)


@pytest.mark.asyncio
async def test_diagnostics_are_the_lints_with_codes_links_and_related(client, project):
    main = project / "main.msgarch"
    await open_doc(client, main)
    items = await diagnostics(client, main, lambda xs: len(xs) > 0)
    expected = api.lint([str(main)], load_config(str(main))).diagnostics
    assert sorted((d.code, d.range.start.line + 1, d.range.start.character + 1) for d in items) == sorted(
        (d.code, d.span.line, d.span.column) for d in expected if d.span.path.endswith("main.msgarch"))
    by_code = {d.code: d for d in items}
    assert by_code["S001"].severity == types.DiagnosticSeverity.Error
    assert by_code["S004"].severity == types.DiagnosticSeverity.Warning
    assert by_code["P103"].severity == types.DiagnosticSeverity.Information
    assert by_code["B203"].code_description.href.startswith("file://")
    assert "b203-no-priority" in by_code["B203"].code_description.href or "B203" in by_code["B203"].code_description.href
    assert "kafka profile" in by_code["B203"].message and "source: https://kafka.apache.org" in by_code["B203"].message


@pytest.mark.asyncio
async def test_related_locations_become_related_information(client, tmp_path):
    path = tmp_path / "dup.msgarch"
    path.write_text("broker bus : rabbitmq\ncomponent a\ncomponent a\nmessage M\nflow a -> a : M\n", encoding="utf-8")
    await open_doc(client, path)
    items = await diagnostics(client, path, lambda xs: any(d.code == "S002" for d in xs))
    duplicate = next(d for d in items if d.code == "S002")
    assert duplicate.related_information, duplicate
    assert duplicate.related_information[0].location.range.start.line == 1


@pytest.mark.asyncio
async def test_utf16_columns_after_non_ascii_text(client, tmp_path):
    path = tmp_path / "odd.msgarch"
    line = 'component shop { description "naïve 😀 café"  instances two }'
    path.write_text(f"broker bus : rabbitmq\n{line}\n", encoding="utf-8")
    await open_doc(client, path)
    items = await diagnostics(client, path, lambda xs: len(xs) > 0)
    error = items[0]
    assert error.code == "E001"
    prefix = line[:line.index("two")]
    assert error.range.start.line == 1
    # the emoji counts two UTF-16 units: a code-point column would be one less
    assert error.range.start.character == len(prefix.encode("utf-16-le")) // 2 == len(prefix) + 1


@pytest.mark.asyncio
async def test_a_change_in_an_include_relints_its_includer(client, project):
    main, common = project / "main.msgarch", project / "common.msgarch"
    await open_doc(client, main)
    await diagnostics(client, main, lambda xs: not any(d.code == "S001" and "Order" in d.message for d in xs))
    await open_doc(client, common)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri(common), version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="message Shipped { size 1KB }\n")]))
    items = await diagnostics(client, main, lambda xs: any(d.code == "S001" and "'Order'" in d.message for d in xs))
    assert any(d.range.start.line == 17 for d in items if d.code == "S001")
    # the included file, opened alone, is checked as part of its includer: no false S001 on it
    assert not [d for d in client.diagnostics.get(uri(common), []) if d.code == "S001"]


@pytest.mark.asyncio
async def test_configuration_is_honoured(client, project):
    main = project / "main.msgarch"
    (project / ".msgarch.toml").write_text('ignore = ["P103"]\n[severity]\nS004 = "info"\n', encoding="utf-8")
    assert any(d.code == "P103" for d in api.lint([str(main)], Config()).diagnostics)
    await open_doc(client, main)
    items = await diagnostics(client, main, lambda xs: len(xs) > 0)
    assert not any(d.code == "P103" for d in items)
    assert next(d for d in items if d.code == "S004").severity == types.DiagnosticSeverity.Information


@pytest.mark.asyncio
async def test_hover_cites_the_broker_fact_and_its_source(client, project):
    main = project / "main.msgarch"
    await open_doc(client, main)
    await diagnostics(client, main, lambda xs: len(xs) > 0)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri(main)), position=position(MAIN, "priority 3", 2)))
    text = hover.contents.value
    assert "kafka profile" in text and "priority" in text and "no" in text
    assert "source: [https://kafka.apache.org/documentation/]" in text
    kind = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri(main)), position=position(MAIN, "rabbitmq\n", 3)))
    assert "**rabbitmq** profile" in kind.contents.value and "source:" in kind.contents.value
    kafka = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri(main)), position=position(MAIN, "kafka\n", 2)))
    assert "**kafka** profile" in kafka.contents.value and "uncertain:" in kafka.contents.value
    component = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri(main)), position=position(MAIN, "billing {", 2)))
    value = component.contents.value
    assert "component billing" in value and "Utilisation at peak" in value and "M/M/1" in value


@pytest.mark.asyncio
async def test_definition_and_references_cross_the_include(client, project):
    main = project / "main.msgarch"
    await open_doc(client, main)
    at = types.TextDocumentPositionParams(text_document=types.TextDocumentIdentifier(uri=uri(main)),
                                          position=position(MAIN, ": Order", 3))
    found = await client.text_document_definition_async(types.DefinitionParams(
        text_document=at.text_document, position=at.position))
    assert [(loc.uri.rsplit("/", 1)[1], loc.range.start.line, loc.range.start.character) for loc in found] == [
        ("common.msgarch", 0, 8)]
    refs = await client.text_document_references_async(types.ReferenceParams(
        text_document=at.text_document, position=position(MAIN, "billing", 0, nth=1),
        context=types.ReferenceContext(include_declaration=True)))
    assert sorted(r.range.start.line for r in refs) == [11, 17, 22]
    broker = await client.text_document_definition_async(types.DefinitionParams(
        text_document=at.text_document, position=position(MAIN, "via events", 5)))
    assert [loc.range.start.line for loc in broker] == [7]


@pytest.mark.asyncio
async def test_rename_across_includes(client, project):
    main = project / "main.msgarch"
    await open_doc(client, main)
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=types.TextDocumentIdentifier(uri=uri(main)), position=position(MAIN, "Shipped", 1),
        new_name="Dispatched"))
    changes = {k.rsplit("/", 1)[1]: v for k, v in edit.changes.items()}
    assert sorted(changes) == ["common.msgarch", "main.msgarch"]
    assert [e.new_text for e in changes["common.msgarch"]] == ["Dispatched"]
    assert changes["common.msgarch"][0].range.start == types.Position(line=1, character=8)
    with pytest.raises(Exception, match="not a msgarch name"):
        await client.text_document_rename_async(types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri(main)), position=position(MAIN, "Shipped", 1),
            new_name="two words"))


async def completion_labels(client, path: Path, text: str, pos: types.Position) -> list[str]:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri(path), version=5),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path)), position=pos))
    return [item.label for item in result.items]


@pytest.mark.asyncio
async def test_completion(client, project):
    main = project / "main.msgarch"
    await open_doc(client, main)
    end = types.Position(line=MAIN.count("\n"), character=0)
    assert "component" in await completion_labels(client, main, MAIN, end)
    inside = MAIN.replace("  rate 20/s\n", "  rate 20/s\n  \n")
    labels = await completion_labels(client, main, inside, position(inside, "  \n}", 2))
    assert {"delivery", "dead-letter", "ttl", "pattern"} <= set(labels) and "instances" not in labels
    text = MAIN.replace("  rate 20/s\n", "  rate 20/s\n  delivery \n")
    assert await completion_labels(client, main, text, position(text, "delivery \n", 9)) == [
        "at-most-once", "at-least-once", "exactly-once"]
    text = MAIN.replace("  rate 20/s\n", "  rate 20/s\n  ttl 30\n")
    assert "ms" in await completion_labels(client, main, text, position(text, "ttl 30", 6))
    text = MAIN.replace("  rate 20/s\n", "  rate 20/s\n  via \n")
    assert await completion_labels(client, main, text, position(text, "via \n", 4)) == ["bus", "cache", "events"]
    text = MAIN + "flow shop -> billing : "
    assert await completion_labels(client, main, text, position(text, "billing : ", 10, nth=1)) == ["Order", "Shipped"]
    text = MAIN + "broker more : "
    kinds = await completion_labels(client, main, text, position(text, "more : ", 7))
    assert {"kafka", "rabbitmq-quorum", "custom"} <= set(kinds)


@pytest.mark.asyncio
async def test_code_actions_fix_findings(client, project):
    main = project / "main.msgarch"
    await open_doc(client, main)
    items = await diagnostics(client, main, lambda xs: any(d.code == "R504" for d in xs))

    async def actions_for(code):
        d = next(x for x in items if x.code == code)
        return await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri(main)), range=d.range,
            context=types.CodeActionContext(diagnostics=[d])))

    def applied(action) -> str:
        lines = MAIN.split("\n")
        (edit,) = action.edit.changes[uri(main)]
        s, e = edit.range.start, edit.range.end
        head = "\n".join(lines[:s.line] + [lines[s.line][:s.character]])
        tail = "\n".join([lines[e.line][e.character:]] + lines[e.line + 1:])
        return head + edit.new_text + tail

    kind = next(a for a in await actions_for("S001") if "rabbitmq" in a.title)
    assert "broker cache : rabbitmq\n" in applied(kind)
    fixes = {a.title: a for a in await actions_for("R504") if "idempotent" in a.title}
    assert "component billing {\n  idempotent\n  instances 1\n" in applied(fixes["Mark 'billing' idempotent"])
    audit = next(x for x in items if x.code == "R504" and "'audit'" in x.message)
    more = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(main)), range=audit.range,
        context=types.CodeActionContext(diagnostics=[audit])))
    assert "component audit { idempotent }\n" in applied(next(a for a in more if a.title == "Mark 'audit' idempotent"))
    pattern = next(a for a in await actions_for("P103") if "pattern queue" in a.title)
    assert "flow shop -> billing : Order {\n  pattern queue\n  via events" in applied(pattern)
    ignore = next(a for a in await actions_for("B203") if "ignore" in a.title.lower())
    assert "  priority 3  # msgarch: ignore[B203]\n" in applied(ignore)
    replace = [a for a in await actions_for("B203") if a.title.startswith("Change the kind")]
    assert [a.title for a in replace] == ["Change the kind of broker 'events' to ibm-mq",
                                          "Change the kind of broker 'events' to rabbitmq-quorum"]
    assert "broker events : ibm-mq\n" in applied(replace[0])
    # applying the suppression silences the finding
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri(main), version=3),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=applied(ignore))]))
    await diagnostics(client, main, lambda xs: not any(d.code == "B203" for d in xs))


@pytest.mark.asyncio
async def test_document_symbols(client, project):
    main = project / "main.msgarch"
    await open_doc(client, main)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=uri(main))))
    assert [s.name for s in symbols] == ["Orders", "common.msgarch", "bus", "events", "cache", "shop", "billing",
                                         "audit", "shop -> billing : Order", "shop -> billing, audit : Shipped"]
    billing = symbols[6]
    assert (billing.range.start.line, billing.range.end.line) == (11, 14)


@pytest.mark.asyncio
async def test_formatting_goes_through_fmt(client, project):
    from msgarch import fmt

    main = project / "main.msgarch"
    messy = MAIN.replace("  via events\n", "      via events\n")
    await open_doc(client, main, messy)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri(main)),
        options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
    expected = fmt.format_source(messy, str(main))
    assert expected != messy and "      via events" not in expected  # the mess is one fmt fixes
    (edit,) = edits
    assert edit.new_text == expected and edit.range.start == types.Position(line=0, character=0)


def test_lsp_command_without_pygls_says_how_to_install(tmp_path):
    import subprocess

    shadow = tmp_path / "pygls"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('no pygls here', name='pygls')\n")
    done = subprocess.run([sys.executable, "-m", "msgarch", "lsp"], capture_output=True, text=True,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "pip install 'msgarch[lsp]'" in done.stderr


V2 = """\
broker bus : rabbitmq
channel orders on bus : queue { durable }
component shop
component billing {
  instances 2
  capacity 100/s
  consumes Order from orders {
    prefetch 10
    rate 20/s
  }
}
publish shop -> orders : Order
message Order { size 1KB }
"""


@pytest.mark.asyncio
async def test_hover_on_consume_and_channel_settings_cites_the_profile(client, tmp_path):
    path = tmp_path / "v2.msgarch"
    path.write_text(V2, encoding="utf-8")
    await open_doc(client, path)
    await diagnostics(client, path)
    document = types.TextDocumentIdentifier(uri=uri(path))
    prefetch = await client.text_document_hover_async(types.HoverParams(
        text_document=document, position=position(V2, "prefetch", 2)))
    text = prefetch.contents.value
    assert "**prefetch** in the rabbitmq profile" in text and "basic.qos prefetch_count" in text
    assert "source: [https://www.rabbitmq.com/docs/confirms" in text
    durable = await client.text_document_hover_async(types.HoverParams(
        text_document=document, position=position(V2, "durable", 2)))
    assert "**durable** in the rabbitmq profile" in durable.contents.value
    rate = await client.text_document_hover_async(types.HoverParams(
        text_document=document, position=position(V2, "rate 20", 1)))
    assert "throughput" in rate.contents.value and "rabbitmq" in rate.contents.value
    found = await client.text_document_definition_async(types.DefinitionParams(
        text_document=document, position=position(V2, "from orders", 6)))
    assert [loc.range.start.line for loc in found] == [1]


@pytest.mark.asyncio
async def test_a_broken_configuration_is_reported_on_the_file(client, project):
    main = project / "main.msgarch"
    (project / ".msgarch.toml").write_text('selct = ["B"]\n', encoding="utf-8")
    await open_doc(client, main)
    items = await diagnostics(client, main, lambda xs: len(xs) > 0)
    assert [(d.code, d.range.start.line) for d in items] == [("E004", 0)]
    assert "unknown configuration key 'selct'" in items[0].message and ".msgarch.toml" in items[0].message
