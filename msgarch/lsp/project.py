"""What the language server knows between requests, free of any protocol type.

Open buffers win over the files on disk. Each file's syntax tree is kept with the text it
was parsed from, so an edit re-parses only the buffer edited (its includes, and the
profiles, which msgarch.brokers memoises, are reused). A root file is one no other known
file includes; a file included by others is linted as part of its roots, as `msgarch lint`
does when given both, so its names resolve and its findings are the lint's.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field, replace

from msgarch.diagnostics import Diagnostic, InputError, Span
from msgarch.dsl import ast
from msgarch.dsl.parser import DECLARATION_KEYWORDS, parse
from msgarch.fsread import inside, leaves
from msgarch.lint.config import Config, load_config
from msgarch.model.loader import load_model, read_file
from msgarch.model.model import Model

_DECLARATION_START = re.compile(r"[ \t]*(?:%s)(?![A-Za-z0-9_-])" % "|".join(DECLARATION_KEYWORDS))
_USE = re.compile(r'^[ \t]*use[ \t]+"((?:[^"\\\n]|\\.)*)"', re.MULTILINE)

#: Files looked at when searching the workspace for the files that include an open one.
MAX_SCANNED = 5000


def normalise(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


@dataclass
class RootResult:
    """One lint of one root file: its model (None when it could not be built), its
    configuration, the findings (the same as `msgarch lint ROOT`) and the files read."""

    root: str
    config: Config
    model: Model | None
    diagnostics: tuple[Diagnostic, ...]
    sources: dict[str, str]
    _analysis: object = field(default=None, repr=False)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.root, *self.sources)))

    def diagnostics_by_file(self) -> dict[str, list[Diagnostic]]:
        out: dict[str, list[Diagnostic]] = {path: [] for path in self.files}
        for d in self.diagnostics:
            path = d.span.path if d.span is not None else self.root
            out.setdefault(path, []).append(d)
        return out

    def loads(self):
        """(broker facts, consumer loads, broker loads) from the capacity model, computed once."""
        if self._analysis is None and self.model is not None:
            from msgarch.analysis.brokerfacts import broker_facts, sized_loads
            from msgarch.api import profile_lookup

            try:
                facts = broker_facts(self.model, profile_lookup(self.model, self.config.profiles))
                self._analysis = (facts, *sized_loads(self.model, facts))
            except InputError:
                self._analysis = ({}, {}, {})
        return self._analysis or ({}, {}, {})


class Project:
    """Open buffers, parsed files, the include graph and the last lint of every root."""

    def __init__(self, folders: tuple[str, ...] | list[str] = ()):
        self.folders = [normalise(f) for f in folders if f]
        self.buffers: dict[str, str] = {}
        self._parsed: dict[str, tuple[str, object]] = {}  # path -> (text, ast.File | InputError)
        self._good: dict[str, ast.File] = {}  # path -> the last tree that parsed
        self._chunks: dict[str, dict] = {}  # path -> {(first line, declaration text): its decls}
        self._uses: dict[str, tuple[object, tuple[str, ...]]] = {}  # path -> (key, use targets)
        self._disk: list[str] | None = None
        self.results: dict[str, RootResult] = {}

    # -- buffers and files ------------------------------------------------------------
    def open(self, path: str, text: str) -> None:
        self.buffers[normalise(path)] = text

    def change(self, path: str, text: str) -> None:
        self.buffers[normalise(path)] = text

    def close(self, path: str) -> None:
        self.buffers.pop(normalise(path), None)

    def text_of(self, path: str) -> str | None:
        path = normalise(path)
        if path in self.buffers:
            return self.buffers[path]
        try:
            return read_file(path).decode("utf-8", errors="replace")
        except OSError:
            return None

    def _read(self, path: str) -> bytes:
        text = self.buffers.get(normalise(path))
        return text.encode("utf-8", errors="surrogatepass") if text is not None else read_file(path)

    def _parse_by_declaration(self, text: str, path: str) -> ast.File:
        """Parse ``text`` one top-level declaration at a time, reusing the trees of the
        declarations whose text and first line did not change since the last parse. Each
        is parsed after as many newlines as lines precede it, so its spans are the file's.
        Any syntax error: the whole file is parsed, for the error `msgarch lint` gives."""
        previous = self._chunks.get(path, {})
        kept: dict[tuple[int, str], tuple] = {}
        decls: list = []
        for first_line, chunk in split_declarations(text):
            key = (first_line, chunk)
            found = previous.get(key)
            if found is None:
                try:
                    found = parse("\n" * first_line + chunk, path).decls
                except InputError:
                    self._chunks.pop(path, None)
                    return parse(text, path)
            kept[key] = found
            decls.extend(found)
        self._chunks[path] = kept
        return ast.File(path, tuple(decls))

    def parse(self, text: str, path: str) -> ast.File:
        """``parse``, memoised per file on the text it was given (errors included), and
        per declaration within the file (an edit re-parses the declarations it touched)."""
        kept = self._parsed.get(path)
        if kept is not None and kept[0] == text:
            result = kept[1]
        else:
            try:
                result = self._parse_by_declaration(text, path)
            except InputError as error:
                result = error
            else:
                self._good[path] = result
            self._parsed[path] = (text, result)
        if isinstance(result, InputError):
            raise result
        return result

    def syntax_tree(self, path: str) -> ast.File | None:
        """The file's tree as last parsed from its current text (parsed now if need be)."""
        path = normalise(path)
        text = self.text_of(path)
        if text is None:
            return None
        try:
            return self.parse(text.removeprefix("\ufeff"), path)
        except InputError:
            return self._good.get(path)  # names and symbols as they were before the typo

    # -- the include graph ------------------------------------------------------------
    def _disk_files(self) -> list[str]:
        if self._disk is None:
            found: list[str] = []
            for folder in self.folders:
                for directory, subfolders, names in os.walk(folder):
                    subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d != "node_modules")
                    found.extend(os.path.join(directory, n) for n in sorted(names) if n.endswith(".msgarch"))
                    if len(found) >= MAX_SCANNED:
                        break
            # a link leading out of the workspace is not read (as `msgarch lint DIR` reads none)
            self._disk = sorted(normalise(p) for p in found[:MAX_SCANNED]
                                if not any(os.path.islink(p) and leaves(p, folder) for folder in self.folders))
        return self._disk

    def rescan(self) -> None:
        """Forget the list of files on disk (after a file was created, deleted or saved)."""
        self._disk = None
        self._uses.clear()

    def uses(self, path: str) -> tuple[str, ...]:
        """The files ``path`` includes directly, resolved as the loader resolves them."""
        text = self.buffers.get(path)
        if text is not None:
            key: object = ("buffer", text)
        else:
            try:
                key = ("disk", os.stat(path).st_mtime_ns)
            except OSError:
                return ()
        kept = self._uses.get(path)
        if kept is not None and kept[0] == key:
            return kept[1]
        if text is None:
            text = self.text_of(path) or ""
        base = posixpath.dirname(path.replace(os.sep, "/"))
        targets = tuple(normalise(posixpath.join(base, m.group(1))) for m in _USE.finditer(text) if m.group(1))
        self._uses[path] = (key, targets)
        return targets

    def includes(self, root: str) -> list[str]:
        """``root`` and the files its `use` lines lead to, transitively, that the loader
        would read: inside the root's directory, symbolic links included."""
        root = normalise(root)
        base = os.path.dirname(root)
        order: list[str] = []
        stack = [root]
        while stack:
            current = stack.pop()
            if current in order:
                continue
            order.append(current)
            stack.extend(t for t in reversed(self.uses(current))
                         if t not in order and inside(os.path.realpath(t), os.path.realpath(base)))
        return order

    def includers(self) -> dict[str, set[str]]:
        """file -> the known files that include it directly."""
        graph: dict[str, set[str]] = {}
        for path in dict.fromkeys([*self._disk_files(), *self.buffers, *self.results]):
            for target in self.uses(path):
                graph.setdefault(target, set()).add(path)
        return graph

    def roots_of(self, path: str) -> list[str]:
        """The root files whose models contain ``path`` (itself when nothing includes it)."""
        path = normalise(path)
        graph = self.includers()
        seen, stack, roots = {path}, [path], set()
        while stack:
            current = stack.pop()
            parents = graph.get(current, set()) - {current}
            if not parents:
                roots.add(current)
            for parent in parents:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return sorted(roots) or [path]

    def affected_roots(self, path: str) -> list[str]:
        """Roots to lint again after ``path`` changed: its roots, and every linted root
        that read it last time (an include that no longer resolves is noticed too)."""
        path = normalise(path)
        roots = set(self.roots_of(path))
        roots |= {root for root, result in self.results.items() if path in result.sources}
        return sorted(roots)

    # -- lint -------------------------------------------------------------------------
    def config_for(self, root: str) -> Config:
        return load_config(root)

    def lint_root(self, root: str) -> RootResult:
        """Load and lint one root as `msgarch lint ROOT` does, open buffers first."""
        root = normalise(root)
        try:
            config = self.config_for(root)
        except InputError as error:
            # shown where it is (the .toml) and on the file being edited, which no rule checked
            here = tuple(replace(d, message=f"{d.span.path if d.span else 'the configuration'}: {d.message}; "
                                 "this file was not linted", span=Span.point(root), related=())
                         for d in error.diagnostics)
            result = RootResult(root, Config(), None, tuple(error.diagnostics) + here, dict(error.sources))
            self.results[root] = result
            return result
        from msgarch.lint.runner import lint_model

        text = self.buffers.get(root)
        try:
            model = load_model(root, reader=self._read, text=text, profile_dirs=config.profiles,
                               parse_file=self.parse)
        except InputError as error:
            sources = dict(error.sources)
            if text is not None:
                sources.setdefault(root, text)
            result = RootResult(root, config, None, error.diagnostics, sources)
        else:
            diagnostics = tuple(lint_model(model, config))
            result = RootResult(root, config, model, diagnostics, dict(model.sources))
        self.results[root] = result
        return result

    def lint(self, path: str) -> list[RootResult]:
        """Lint every root affected by a change of ``path``."""
        return [self.lint_root(root) for root in self.affected_roots(path)]

    def result_for(self, path: str) -> RootResult | None:
        """The last lint holding ``path`` (linted now when there is none)."""
        path = normalise(path)
        for root in self.roots_of(path):
            result = self.results.get(root)
            if result is None or path not in result.files:
                result = self.lint_root(root)
            if path in result.files:
                return result
        return None

    def diagnostics_for(self, path: str) -> list[Diagnostic]:
        path = normalise(path)
        found: dict[Diagnostic, None] = {}
        for result in self.results.values():
            found.update(dict.fromkeys(result.diagnostics_by_file().get(path, ())))
        return sorted(found, key=Diagnostic.sort_key)


def split_declarations(text: str) -> list[tuple[int, str]]:
    """(0-based first line, text) of each top-level declaration with the comments and blank
    lines after it; the pieces joined are ``text``. A piece starts on a line at brace depth
    0 that begins with a declaration keyword (braces in strings and comments not counted)."""
    pieces: list[tuple[int, str]] = []
    start_line, start_offset, depth, offset = 0, 0, 0, 0
    for number, line in enumerate(text.splitlines(keepends=True)):
        if depth == 0 and number > start_line and _DECLARATION_START.match(line):
            pieces.append((start_line, text[start_offset:offset]))
            start_line, start_offset = number, offset
        in_string = escaped = False
        for ch in line:
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch == "#":
                break
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth = max(depth - 1, 0)
        offset += len(line)
    pieces.append((start_line, text[start_offset:]))
    return pieces


def span_contains(span: Span, line: int, column: int) -> bool:
    """Whether the 1-based (line, column) lies in ``span`` (end inclusive, for a cursor at a word's end)."""
    if line < span.line or line > span.end_line:
        return False
    if line == span.line and column < span.column:
        return False
    if line == span.end_line and column > span.end_column:
        return False
    return True
