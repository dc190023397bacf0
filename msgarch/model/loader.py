"""Read a root file and everything it includes with `use`, then build the model."""

from __future__ import annotations

import os
import posixpath
import re
from typing import Callable

from msgarch.diagnostics import Diagnostic, InputError, Span, input_error
from msgarch.dsl import ast
from msgarch.dsl.parser import decode_source, parse
from msgarch.fsread import inside, read_bytes
from msgarch.model.builder import build
from msgarch.model.model import Model
from msgarch.textsafe import UNSAFE_IN_SOURCE, describe, line

#: Reads a file's bytes by path; raises OSError (FileNotFoundError...) when it cannot.
Reader = Callable[[str], bytes]

STDIN_PATH = "-"

#: The longest line read (a 10-million-character line took 50 s and 1.9 GB to refuse;
#: a flow to 450 consumers with 33-character names is a 16,000-character line).
MAX_LINE = 100_000


def read_file(path: str) -> bytes:
    """An include's (or a walked file's) bytes: a regular file, within the size bound."""
    return read_bytes(path)


def read_root_file(path: str) -> bytes:
    """A file named on the command line: may also be a pipe (`<(...)`), read up to the bound."""
    return read_bytes(path, regular_only=False)


def _join(including: str, relative: str) -> str:
    base = "." if including == STDIN_PATH else posixpath.dirname(including.replace(os.sep, "/"))
    return posixpath.normpath(posixpath.join(base or ".", relative))


def _inside(path: str, root_dir: str) -> bool:
    if posixpath.isabs(path) != posixpath.isabs(root_dir):
        path, root_dir = os.path.abspath(path), os.path.abspath(root_dir)
    rel = posixpath.relpath(path, root_dir) if root_dir else path
    return rel != ".." and not rel.startswith("../") and not posixpath.isabs(rel)


def load_model(path: str, reader: Reader = read_file, text: str | None = None,
               check_real_paths: bool = True, root_reader: Reader | None = None,
               profile_dirs: tuple[str, ...] = (), parse_file: Callable[[str, str], ast.File] = parse) -> Model:
    """Load the model rooted at ``path`` (``text`` given: its content, e.g. from stdin;
    ``root_reader``: how to read the root file, ``reader`` by default; ``parse_file``:
    ``parse`` by default, or a memo of it such as the language server keeps across edits).

    Channels, routes, publishes and consumes (language v2) are checked against their
    brokers' profiles (built in, or from ``profile_dirs``) and turned into derived flows.
    Raises InputError carrying every E001/E002 problem found in any file.
    """
    unsafe_name = UNSAFE_IN_SOURCE.search(path) or re.search(r"[\n\r\u2028\u2029]", path)
    if unsafe_name is not None:
        # every report prints the file name: one holding escapes or line breaks would drive the
        # terminal or forge a CI annotation wherever it is shown
        raise InputError([input_error(
            "E001", f"the file name '{line(path)}' contains the control character {describe(unsafe_name.group())}; "
            "msgarch reads no file so named", None, "rename the file")])
    root_dir = "." if path == STDIN_PATH else posixpath.dirname(path.replace(os.sep, "/")) or "."
    root_dir = posixpath.normpath(root_dir)
    files: list[ast.File] = []
    sources: dict[str, str] = {}
    problems: list[Diagnostic] = []
    visited: set[str] = set()

    def open_file(file_path: str, content: str | None, use_span: Span | None) -> ast.File | None:
        """Read and parse one file (None: its problems are recorded)."""
        visited.add(file_path)
        try:
            if content is None:
                read = root_reader if root_reader is not None and use_span is None else reader
                content = decode_source(file_path, read(file_path))
        except InputError as exc:
            problems.extend(exc.diagnostics)
            return
        except IsADirectoryError:
            problems.append(_include_or_read_error(f"'{file_path}' is a directory, not a file", use_span, file_path))
            return
        except OSError as exc:
            reason = "no such file" if isinstance(exc, FileNotFoundError) else (exc.strerror or str(exc))
            problems.append(_include_or_read_error(f"cannot read '{file_path}': {reason}", use_span, file_path))
            return
        sources[file_path] = content
        unsafe = check_text(content, file_path)
        if unsafe is not None:
            if unsafe.message.startswith("line"):
                sources[file_path] = ""  # counted, not shown: an excerpt of a huge line helps no one
            problems.append(unsafe)
            return
        try:
            parsed = parse_file(content, file_path)
        except InputError as exc:
            problems.extend(exc.diagnostics)
            return
        files.append(parsed)
        return parsed

    # depth first, in the order of the `use` lines, with an explicit stack: a chain of
    # a thousand includes must not exhaust Python's recursion limit
    root = open_file(path, text, None)
    stack = [] if root is None else [(path, (), iter(root.decls))]
    while stack:
        file_path, chain, decls = stack[-1]
        for decl in decls:
            if not isinstance(decl, ast.UseDecl):
                continue
            target = _join(file_path, decl.path.value)
            if not decl.path.value or not _inside(target, root_dir) or (
                    check_real_paths and not _really_inside(target, root_dir)):
                problems.append(input_error(
                    "E002", f"include '{decl.path.value}' leaves the directory of {path}",
                    decl.path.span, "includes must stay inside the directory of the file being checked"))
                continue
            if target in chain or target == file_path:
                cycle = " -> ".join((*chain[chain.index(target):], file_path, target)) if target in chain \
                    else f"{file_path} -> {target}"
                problems.append(input_error("E002", f"include cycle: {cycle}", decl.path.span,
                                            "remove one of the `use` lines in the cycle"))
                continue
            if target in visited:
                continue  # included twice through different files: read once
            included = open_file(target, None, decl.path.span)
            if included is not None:
                stack.append((target, (*chain, file_path), iter(included.decls)))
                break
        else:
            stack.pop()
    if problems:
        raise InputError(problems, sources)
    model, build_problems = build(files, path, sources)
    for broker in model.brokers.values():
        # a `profile "file"` is read like an include, so it obeys the same boundary
        if broker.profile_path is not None:
            target = _join(broker.span.path, broker.profile_path)
            if not _inside(target, root_dir) or (
                    check_real_paths and not _really_inside(target, root_dir)):
                build_problems.append(input_error(
                    "E003", f"profile '{broker.profile_path}' leaves the directory of {path}",
                    broker.prop_spans.get("profile", broker.span),
                    "keep profile files inside the directory of the file being checked, or list "
                    "their directory under `profiles` in the configuration"))
    if build_problems:
        raise InputError(build_problems, sources)
    if model.channels or model.publishes or model.consumes:
        model = _with_channels(model, profile_dirs)
    return model


def _with_channels(model: Model, profile_dirs: tuple[str, ...]) -> Model:
    """Check the v2 declarations against the profiles' vocabulary, then derive flows.
    A broker whose profile cannot be had is checked and derived without vocabulary:
    S001 and E003 report why when the model is linted."""
    from msgarch.brokers import ProfileError, resolve_profile
    from msgarch.model import derive, vocabulary

    cache: dict[str, object] = {}

    def profile_of(name: str):
        if name not in cache:
            try:
                cache[name] = resolve_profile(model.brokers[name], profile_dirs)
            except (ProfileError, KeyError, OSError):
                cache[name] = None
        return cache[name]

    problems = vocabulary.check(model, profile_of)
    if problems:
        raise InputError(problems, model.sources)
    return derive.derive(model, profile_of)


def check_text(content: str, path: str) -> Diagnostic | None:
    """E001 for a line longer than MAX_LINE, or a control or bidirectional-override
    character (which a terminal or an editor would obey: Trojan Source); None when fine."""
    if len(content) > MAX_LINE:
        lines = content.split("\n")
        longest = max(range(len(lines)), key=lambda i: len(lines[i]))
        if len(lines[longest]) > MAX_LINE:
            return input_error("E001", f"line {longest + 1} is {len(lines[longest]):,} characters long; "
                               f"msgarch reads lines of at most {MAX_LINE:,}", Span.point(path, longest + 1, 1),
                               "break the line, or shorten the string on it")
    found = UNSAFE_IN_SOURCE.search(content)
    if found is None:
        return None
    before = content[:found.start()]
    line = before.count("\n") + 1
    column = found.start() - (before.rfind("\n") + 1) + 1
    return input_error("E001", f"control character {describe(found.group())} in the source; msgarch files "
                       "may not contain control or bidirectional-override characters",
                       Span(path, line, column, line, column + 1), "delete it, or write it out in words")


def _really_inside(target: str, root_dir: str) -> bool:
    """Symbolic links must not lead an include out of the tree either."""
    return inside(os.path.realpath(target), os.path.realpath(root_dir))


def _include_or_read_error(message: str, use_span: Span | None, path: str) -> Diagnostic:
    if use_span is None:
        return input_error("E001", message, Span.point(path, 1, 1))
    return input_error("E002", message, use_span)
