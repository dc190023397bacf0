"""The Language Server Protocol side of `msgarch lsp` (pygls 2)."""

from __future__ import annotations

import asyncio
import functools
import logging
import os

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path as _from_fs_path
from pygls.uris import to_fs_path

from msgarch import __version__
from msgarch.diagnostics import Diagnostic, InputError, Severity
from msgarch.lsp import features
from msgarch.lsp.positions import Lines
from msgarch.lsp.project import Project, normalise

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4096)
def from_fs_path(path: str) -> str:
    return _from_fs_path(path)


#: Seconds between the last keystroke and the lint (initializationOptions.debounce in ms).
DEFAULT_DEBOUNCE = 0.2

_SEVERITY = {Severity.ERROR: types.DiagnosticSeverity.Error, Severity.WARNING: types.DiagnosticSeverity.Warning,
             Severity.INFO: types.DiagnosticSeverity.Information}
_COMPLETION_KIND = {"keyword": types.CompletionItemKind.Keyword, "property": types.CompletionItemKind.Property,
                    "value": types.CompletionItemKind.EnumMember, "unit": types.CompletionItemKind.Unit,
                    "reference": types.CompletionItemKind.Reference, "kind": types.CompletionItemKind.Module}
_SYMBOL_KIND = {"namespace": types.SymbolKind.Namespace, "file": types.SymbolKind.File,
                "module": types.SymbolKind.Module, "class": types.SymbolKind.Class,
                "struct": types.SymbolKind.Struct, "interface": types.SymbolKind.Interface,
                "function": types.SymbolKind.Function, "field": types.SymbolKind.Field,
                "event": types.SymbolKind.Event, "operator": types.SymbolKind.Operator}


class MsgarchServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("msgarch", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self._project: Project | None = None
        self.debounce = DEFAULT_DEBOUNCE
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self.published: dict[str, set[str]] = {}  # root -> uris given diagnostics for it

    # -- state --------------------------------------------------------------------
    @property
    def project(self) -> Project:
        if self._project is None:
            folders = [to_fs_path(f.uri) for f in (self.workspace.folders or {}).values()]
            if not folders and self.workspace.root_path:
                folders = [self.workspace.root_path]
            self._project = Project([f for f in folders if f])
        return self._project

    @property
    def encoding(self) -> str:
        try:
            return self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        except Exception:  # noqa: BLE001 - not initialised yet (a benchmark driving it in-process)
            return types.PositionEncodingKind.Utf16

    def lines(self, path: str) -> Lines:
        return Lines(self.project.text_of(path) or "", self.encoding)

    def position(self, uri: str, position: types.Position) -> tuple[str, int, int]:
        path = normalise(to_fs_path(uri))
        line, column = self.lines(path).from_lsp(position)
        return path, line, column

    def location(self, span, cache: dict) -> types.Location:
        lines = cache.get(span.path) or cache.setdefault(span.path, self.lines(span.path))
        return types.Location(uri=from_fs_path(span.path), range=lines.range(span))

    # -- diagnostics --------------------------------------------------------------
    def to_lsp(self, d: Diagnostic, path: str, cache: dict) -> types.Diagnostic:
        lines = cache.get(path) or cache.setdefault(path, self.lines(path))
        if d.span is not None:
            rng = lines.range(d.span)
        else:
            rng = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
        url = features.rule_doc_url(d.code, d.name)
        return types.Diagnostic(
            range=rng,
            message=d.message + (f"\nfix: {d.hint}" if d.hint else ""),
            severity=_SEVERITY[d.severity],
            code=d.code,
            code_description=types.CodeDescription(href=url) if url else None,
            source="msgarch",
            related_information=[types.DiagnosticRelatedInformation(location=self.location(r.span, cache),
                                                                    message=r.note) for r in d.related] or None,
            data={"name": d.name},
        )

    def lint_and_publish(self, path: str) -> None:
        for uri, items in self.relint(path):
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=items))

    def relint(self, path: str) -> list[tuple[str, list[types.Diagnostic]]]:
        """Lint the roots a change of ``path`` affects: (uri, diagnostics) to publish, the
        empty lists clearing files that no longer have any."""
        out: list[tuple[str, list[types.Diagnostic]]] = []
        try:
            results = self.project.lint(path)
        except Exception as exc:  # noqa: BLE001 - a bug must not take the editor's server down
            log.exception("lint failed")
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error,
                                                           message=f"msgarch: internal error: {exc}"))
            return out
        cache: dict = {}
        for result in results:
            by_file: dict[str, dict[Diagnostic, None]] = {p: {} for p in result.files}
            for other in self.project.results.values():
                for p, items in other.diagnostics_by_file().items():
                    if p in by_file:
                        by_file[p].update(dict.fromkeys(items))  # a file in two roots: each finding once
            uris = set()
            for p, items in sorted(by_file.items()):
                uri = from_fs_path(p)
                uris.add(uri)
                items = sorted(items, key=Diagnostic.sort_key)
                out.append((uri, [self.to_lsp(d, p, cache) for d in items]))
            for uri in sorted(self.published.get(result.root, set()) - uris):
                if not any(uri in v for r, v in self.published.items() if r != result.root):
                    out.append((uri, []))
            self.published[result.root] = uris
        return out

    def schedule(self, path: str) -> None:
        handle = self._pending.pop(path, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_event_loop()

        def run() -> None:
            self._pending.pop(path, None)
            self.lint_and_publish(path)

        self._pending[path] = loop.call_later(self.debounce, run)


server = MsgarchServer()


@server.feature(types.INITIALIZE)
def initialize(ls: MsgarchServer, params: types.InitializeParams) -> None:
    options = params.initialization_options or {}
    if isinstance(options, dict) and isinstance(options.get("debounce"), (int, float)):
        ls.debounce = max(0.0, float(options["debounce"]) / 1000)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: MsgarchServer, params: types.DidOpenTextDocumentParams) -> None:
    path = to_fs_path(params.text_document.uri)
    ls.project.open(path, params.text_document.text)
    ls.lint_and_publish(path)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: MsgarchServer, params: types.DidChangeTextDocumentParams) -> None:
    document = ls.workspace.get_text_document(params.text_document.uri)
    path = to_fs_path(params.text_document.uri)
    ls.project.change(path, document.source)
    ls.schedule(path)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: MsgarchServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.project.rescan()
    ls.lint_and_publish(to_fs_path(params.text_document.uri))


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: MsgarchServer, params: types.DidCloseTextDocumentParams) -> None:
    path = to_fs_path(params.text_document.uri)
    ls.project.close(path)
    if os.path.exists(path):
        ls.lint_and_publish(path)  # what is on disk now holds


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched(ls: MsgarchServer, params: types.DidChangeWatchedFilesParams) -> None:
    ls.project.rescan()
    for change in params.changes:
        path = to_fs_path(change.uri)
        if path and path.endswith(".msgarch"):
            ls.lint_and_publish(path)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: MsgarchServer, params: types.HoverParams) -> types.Hover | None:
    path, line, column = ls.position(params.text_document.uri, params.position)
    found = features.hover(ls.project, path, line, column)
    if found is None:
        return None
    text, span = found
    rng = ls.lines(span.path).range(span) if span is not None and normalise(span.path) == path else None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text), range=rng)


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def definition(ls: MsgarchServer, params: types.DefinitionParams) -> list[types.Location]:
    path, line, column = ls.position(params.text_document.uri, params.position)
    cache: dict = {}
    return [ls.location(s, cache) for s in features.definition(ls.project, path, line, column)]


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
def references(ls: MsgarchServer, params: types.ReferenceParams) -> list[types.Location]:
    path, line, column = ls.position(params.text_document.uri, params.position)
    cache: dict = {}
    include = params.context.include_declaration if params.context is not None else True
    return [ls.location(s, cache) for s in features.references(ls.project, path, line, column, include)]


@server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(ls: MsgarchServer, params: types.PrepareRenameParams):
    path, line, column = ls.position(params.text_document.uri, params.position)
    tree = ls.project.syntax_tree(path)
    from msgarch.lsp import names

    found = names.at(tree, line, column) if tree is not None else None
    if found is None:
        return None
    return types.PrepareRenamePlaceholder(range=ls.lines(path).range(found.span), placeholder=found.name)


@server.feature(types.TEXT_DOCUMENT_RENAME)
def rename(ls: MsgarchServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    path, line, column = ls.position(params.text_document.uri, params.position)
    try:
        edits = features.rename(ls.project, path, line, column, params.new_name)
    except ValueError as exc:
        raise JsonRpcInvalidParams(str(exc)) from None
    if not edits:
        return None
    return types.WorkspaceEdit(changes={
        from_fs_path(p): [types.TextEdit(range=ls.lines(p).range(s), new_text=t) for s, t in items]
        for p, items in sorted(edits.items())})


@server.feature(types.TEXT_DOCUMENT_COMPLETION,
                types.CompletionOptions(trigger_characters=[" ", ":", "[", ","]))
def completion(ls: MsgarchServer, params: types.CompletionParams) -> types.CompletionList:
    path, line, column = ls.position(params.text_document.uri, params.position)
    lines = ls.lines(path)
    items = []
    for item in features.completion(ls.project, path, line, column):
        rng = types.Range(start=lines.to_lsp(line, item.replace_from), end=lines.to_lsp(line, column))
        items.append(types.CompletionItem(
            label=item.label, kind=_COMPLETION_KIND.get(item.kind), detail=item.detail or None,
            text_edit=types.TextEdit(range=rng, new_text=item.label)))
    return types.CompletionList(is_incomplete=False, items=items)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
def code_action(ls: MsgarchServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    path = normalise(to_fs_path(params.text_document.uri))
    lines = ls.lines(path)
    start = lines.from_lsp(params.range.start)
    end = lines.from_lsp(params.range.end)
    out = []
    cache: dict = {}
    for action in features.code_actions(ls.project, path, start, end):
        changes = {from_fs_path(p): [types.TextEdit(range=ls.lines(p).range(s), new_text=t) for s, t in items]
                   for p, items in action.edits.items()}
        out.append(types.CodeAction(title=action.title, kind=types.CodeActionKind.QuickFix,
                                    diagnostics=[ls.to_lsp(action.diagnostic, path, cache)],
                                    is_preferred=action.preferred or None,
                                    edit=types.WorkspaceEdit(changes=changes)))
    return out


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbol(ls: MsgarchServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    path = normalise(to_fs_path(params.text_document.uri))
    lines = ls.lines(path)

    def convert(symbol) -> types.DocumentSymbol:
        return types.DocumentSymbol(name=symbol.name or "(unnamed)", detail=symbol.detail,
                                    kind=_SYMBOL_KIND[symbol.kind], range=lines.range(symbol.span),
                                    selection_range=lines.range(symbol.selection),
                                    children=[convert(c) for c in symbol.children] or None)

    return [convert(s) for s in features.symbols(ls.project, path)]


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: MsgarchServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
    """The whole document through `msgarch fmt`; nothing when it has a syntax error, or when
    fmt's own check refuses its output (FormatError: the text is left as it is)."""
    from msgarch.fmt import FormatError, format_source

    path = normalise(to_fs_path(params.text_document.uri))
    text = ls.project.text_of(path) or ""
    try:
        formatted = format_source(text, path)
    except (InputError, FormatError):
        return None
    if formatted == text:
        return []
    lines = Lines(text, ls.encoding)
    last = len(lines.lines) - 1
    end = types.Position(line=last, character=lines.to_lsp(last + 1, len(lines.lines[last]) + 1).character)
    return [types.TextEdit(range=types.Range(start=types.Position(line=0, character=0), end=end),
                           new_text=formatted)]


def main() -> None:
    server.start_io()
