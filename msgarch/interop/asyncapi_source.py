"""Reading AsyncAPI documents safely: YAML or JSON, local `$ref`s inside one tree, never a URL.

``Sources(root)`` loads documents on demand (each file once), ``deref`` follows `$ref`
chains (same file, sibling files, JSON pointers with ~0/~1 and %-escapes), refusing a
reference that leaves the root tree (symbolic links resolved) and never fetching one with
a scheme (http:, https:, file: ...: ``Remote`` is raised for the caller to note). Unusable
input is an ``InputError`` with file:line:col (E001), which the command prints with exit 2.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import yaml

from msgarch.diagnostics import InputError, Span, input_error

#: Larger documents are refused rather than parsed (no real AsyncAPI document comes close).
MAX_BYTES = 20 * 1024 * 1024
MAX_HOPS = 64


class Remote(Exception):
    """A `$ref` to a URL: never fetched."""

    def __init__(self, ref: str) -> None:
        super().__init__(ref)
        self.ref = ref


@dataclass(frozen=True)
class Located:
    """A value, the file it is in (absolute) and its JSON pointer there."""

    file: str
    pointer: str
    value: Any


def pointer_join(pointer: str, *parts: Any) -> str:
    for part in parts:
        pointer += "/" + str(part).replace("~", "~0").replace("/", "~1")
    return pointer


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps every mapping key a string (YAML 1.1 reads `on:` as True)."""


def _construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    result = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str):
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key)
        result[key] = loader.construct_object(value_node, deep=deep)
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class Sources:
    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self._docs: dict[str, Any] = {}
        self._texts: dict[str, str] = {}
        self._composed: dict[str, Any] = {}
        self.read: list[str] = []

    # -- display -------------------------------------------------------------------------
    def display(self, file: str) -> str:
        """The file as written in comments: relative to the root, with / separators."""
        rel = os.path.relpath(file, self.root)
        return rel.replace(os.sep, "/")

    def where(self, file: str, pointer: str) -> str:
        return f"{self.display(file)}#{pointer}" if pointer else self.display(file)

    # -- loading -------------------------------------------------------------------------
    def inside(self, path: str) -> bool:
        real = os.path.realpath(path)
        return real == self.root or real.startswith(self.root.rstrip(os.sep) + os.sep)

    def load(self, file: str, referrer: tuple[str, str] | None = None) -> Any:
        file = os.path.abspath(file)
        if file in self._docs:
            return self._docs[file]
        if not self.inside(file):
            self._fail(referrer, f"'{file}' is outside the tree msgarch may read ({self.root}); it is not read",
                       "pass --root with a folder holding every referenced file")
        try:
            with open(os.path.realpath(file), "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            self._fail(referrer, f"cannot read '{self._show(file)}': {exc.strerror or exc}", None, path=file)
        if len(data) > MAX_BYTES:
            self._fail(None, f"'{self._show(file)}' is larger than {MAX_BYTES // (1024 * 1024)} MiB", None, path=file)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self._fail(None, f"'{self._show(file)}' is not UTF-8 (byte {exc.start})", None, path=file)
        self._texts[file] = text
        document = self._parse(file, text)
        self._docs[file] = document
        self.read.append(file)
        return document

    def _show(self, file: str) -> str:
        return self.display(file) if self.inside(file) else file

    def _parse(self, file: str, text: str) -> Any:
        if file.lower().endswith(".json"):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError([input_error("E001", f"not valid JSON: {exc.msg}",
                                              Span.point(self._show(file), exc.lineno, exc.colno))]) from None
            except RecursionError:
                raise InputError([input_error("E001", "nested too deeply", Span.point(self._show(file)))]) from None
        try:
            return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            raise InputError([input_error("E001", f"not valid YAML: {exc.problem or exc}",
                                          Span.point(self._show(file), line, col))]) from None
        except yaml.YAMLError as exc:
            raise InputError([input_error("E001", f"not valid YAML: {exc}", Span.point(self._show(file)))]) from None
        except RecursionError:
            raise InputError([input_error("E001", "nested too deeply", Span.point(self._show(file)))]) from None

    # -- positions (computed only for an error message or a finding) -----------------------
    def _node(self, file: str, pointer: str):
        """The YAML key node (or sequence item) at ``pointer`` and its value node, as far as found."""
        text = self._texts.get(file)
        if text is None:
            return None, None
        if file not in self._composed:
            try:
                self._composed[file] = yaml.compose(text, Loader=yaml.SafeLoader)
            except (yaml.YAMLError, RecursionError):
                self._composed[file] = None
        node = self._composed[file]
        if node is None:
            return None, None
        parts = [unquote(p).replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]] if pointer else []
        best = node
        for part in parts:
            if isinstance(node, yaml.MappingNode):
                found = None
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == part:
                        found = value
                        best = key
                        break
                if found is None:
                    return best, None
                node = found
            elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
                node = node.value[int(part)]
                best = node
            else:
                return best, None
        return best, node

    def position(self, file: str, pointer: str) -> tuple[int, int]:
        best, _ = self._node(file, pointer)
        mark = best.start_mark if best is not None else None
        return (mark.line + 1, mark.column + 1) if mark else (1, 1)

    def span(self, file: str, pointer: str) -> Span:
        """Where ``pointer`` is written in ``file``: from its key to the end of its value (1-based)."""
        best, value = self._node(file, pointer)
        if best is None:
            return Span.point(self._show(file))
        start = best.start_mark
        end = (value if value is not None and isinstance(value, yaml.ScalarNode) else best).end_mark
        if end.line < start.line or (end.line == start.line and end.column <= start.column):
            return Span.point(self._show(file), start.line + 1, start.column + 1)
        return Span(self._show(file), start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def text(self, file: str) -> str | None:
        """The text of a document read (for source lines under a finding)."""
        return self._texts.get(file)

    def error(self, file: str, pointer: str, message: str, hint: str | None = None) -> InputError:
        line, col = self.position(file, pointer)
        where = f" (at {pointer})" if pointer else ""
        return InputError([input_error("E001", message + where, Span.point(self._show(file), line, col), hint or "")])

    def _fail(self, referrer, message, hint, path=None):
        if referrer is not None:
            raise self.error(referrer[0], referrer[1], message, hint)
        raise InputError([input_error("E001", message, Span.point(self._show(path) if path else "-"), hint or "")])

    # -- references ----------------------------------------------------------------------
    def resolve_pointer(self, file: str, pointer: str, referrer: tuple[str, str]) -> Any:
        node = self.load(file, referrer)
        if pointer in ("", "/"):
            return node
        if not pointer.startswith("/"):
            raise self.error(*referrer, f"'$ref' fragment '{pointer}' is not a JSON pointer")
        for raw in pointer.split("/")[1:]:
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise self.error(*referrer, f"'$ref' target '{self.where(file, pointer)}' does not exist")
        return node

    def deref(self, file: str, pointer: str, value: Any) -> Located:
        """Follow `$ref` until a value that is not a reference; Remote for a URL."""
        seen = set()
        hops = 0
        while isinstance(value, dict) and isinstance(value.get("$ref"), str):
            ref = value["$ref"]
            referrer = (file, pointer_join(pointer, "$ref"))
            if "://" in ref or ref.startswith("//") or (":" in ref.split("#")[0] and not os.path.isabs(ref.split("#")[0])):
                raise Remote(ref)
            target, _, fragment = ref.partition("#")
            if target:
                if os.path.isabs(target):
                    raise self.error(*referrer, f"'$ref' '{ref}' is an absolute path; only relative references are read")
                target_file = os.path.abspath(os.path.join(os.path.dirname(file), *posixpath.normpath(unquote(target)).split("/")))
            else:
                target_file = file
            fragment = fragment or ""
            key = (target_file, fragment)
            hops += 1
            if key in seen or hops > MAX_HOPS:
                raise self.error(*referrer, f"'$ref' '{ref}' is circular")
            seen.add(key)
            value = self.resolve_pointer(target_file, fragment, referrer)
            file, pointer = target_file, fragment
        return Located(file, pointer, value)
