"""Lint configuration from `[tool.msgarch]` or `.msgarch.toml`, merged with the command line."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from msgarch.diagnostics import Diagnostic, InputError, Severity, Span, input_error
from msgarch.lint.registry import CATALOGUE, RULES

FAIL_ON = ("error", "warning", "info", "never")
KNOWN_KEYS = ("select", "ignore", "extend-select", "severity", "fail-on", "profiles", "per-file-ignores")


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] | None = None  # None: every rule
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: str = "error"
    profiles: tuple[str, ...] = ()  # absolute directories
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    path: str | None = None  # the file it came from

    def merged(self, **cli) -> "Config":
        """Command-line options (not None) win over the file."""
        return replace(self, **{k: v for k, v in cli.items() if v is not None})

    def enabled_codes(self) -> set[str]:
        selected = set(_expand(self.select)) if self.select is not None else {r.code for r in RULES}
        selected |= set(_expand(self.extend_select))
        return selected - set(_expand(self.ignore))

    def ignored_for(self, path: str) -> set[str]:
        codes: set[str] = set()
        normalised = path.replace(os.sep, "/")
        for pattern, selectors in self.per_file_ignores.items():
            if fnmatch.fnmatch(normalised, pattern) or fnmatch.fnmatch(os.path.basename(normalised), pattern) \
                    or fnmatch.fnmatch(normalised, "*/" + pattern):
                codes |= set(_expand(selectors))
        return codes


def _expand(selectors) -> list[str]:
    """Codes matched by selectors: a code, a prefix (`B`, `B2`), a rule name or `ALL`."""
    out = []
    for selector in selectors or ():
        if not selector.strip():
            continue  # an empty selector matches nothing (check_selectors reports it)
        for rule in CATALOGUE:
            if selector == "ALL" or rule.code.startswith(selector.upper()) or rule.name == selector.lower():
                out.append(rule.code)
    return out


def check_selectors(selectors, where: str) -> list[str]:
    """Problems with selectors that match no rule."""
    return [f"{where}: '{s}' matches no rule code or name" for s in selectors or ()
            if not s.strip() or not _expand([s])]


def find_config(start: str) -> tuple[str, dict] | None:
    """Walk up from ``start`` to the first `.msgarch.toml` or `pyproject.toml` with `[tool.msgarch]`.

    The walk stops at the first `pyproject.toml` (with or without `[tool.msgarch]`: the
    project's root, as ruff does) and at the root of the repository (a folder holding
    `.git`): a configuration above the repository, which nobody reviewing it sees, must
    not turn its errors off.
    """
    search = search_config(start)
    return None if search.path is None else (search.path, search.data)


@dataclass(frozen=True)
class Search:
    """How the configuration was looked for: the file used (None: defaults), its table,
    the folders looked in, and why the walk stopped there."""

    path: str | None
    data: dict
    folders: tuple[str, ...]
    stopped: str


def search_config(start: str) -> Search:
    """The walk of find_config, with what it looked at (for `msgarch config` and `-v`)."""
    import tomllib

    directory = Path(start if os.path.isdir(start) else os.path.dirname(start) or ".").resolve()
    seen: list[str] = []
    for folder in (directory, *directory.parents):
        seen.append(str(folder))
        dedicated = folder / ".msgarch.toml"
        if dedicated.is_file():
            return Search(str(dedicated), _read_toml(dedicated, tomllib), tuple(seen), "found .msgarch.toml")
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            data = _read_toml(pyproject, tomllib)
            if "msgarch" in data.get("tool", {}):
                return Search(str(pyproject), data["tool"]["msgarch"], tuple(seen),
                              "found [tool.msgarch] in pyproject.toml")
            return Search(None, {}, tuple(seen),
                          f"stopped at {pyproject}: a pyproject.toml without [tool.msgarch] is the project root")
        if (folder / ".git").exists():
            return Search(None, {}, tuple(seen), f"stopped at {folder}: the root of the repository (.git)")
    return Search(None, {}, tuple(seen), "reached the root of the file system")


def _read_toml(path: Path, tomllib) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise InputError([input_error("E004", f"cannot read the configuration: {exc}", Span.point(str(path)))])


def _key_span(path: str, key: str) -> Span:
    """Where a key stands in the configuration file, for a located message."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return Span.point(path)
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
    for number, line in enumerate(lines, 1):
        if pattern.match(line):
            column = line.index(key.split(".")[-1]) + 1
            return Span(path, number, column, number, column + len(key))
    return Span.point(path)


def parse_config(path: str, data: dict) -> Config:
    """Validate every key; report every problem at once (E004)."""
    problems: list[Diagnostic] = []

    def bad(key: str, message: str) -> None:
        problems.append(input_error("E004", message, _key_span(path, key)))

    def string_list(key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            bad(key, f"'{key}' must be a list of rule codes or names")
            return ()
        for problem in check_selectors(value, key):
            bad(key, problem)
        return tuple(value)

    for key in data:
        if key not in KNOWN_KEYS:
            import difflib

            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            bad(key, f"unknown configuration key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")
                + f"; known keys: {', '.join(KNOWN_KEYS)}")
    config = Config(path=path)
    if "select" in data:
        config = replace(config, select=string_list("select"))
    config = replace(config, ignore=string_list("ignore"), extend_select=string_list("extend-select"))
    severities = data.get("severity", {})
    if not isinstance(severities, dict):
        bad("severity", "'severity' must be a table of CODE = \"error\" | \"warning\" | \"info\"")
        severities = {}
    parsed: dict[str, Severity] = {}
    for code, level in severities.items():
        codes = _expand([code])
        if not codes:
            bad(code, f"severity: '{code}' matches no rule code or name")
            continue
        try:
            for matched in codes:
                parsed[matched] = Severity.parse(str(level))
        except ValueError as exc:
            bad(code, f"severity of {code}: {exc}")
    config = replace(config, severity=parsed)
    fail_on = data.get("fail-on", "error")
    if fail_on not in FAIL_ON:
        bad("fail-on", f"'fail-on' must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    else:
        config = replace(config, fail_on=fail_on)
    profiles = data.get("profiles", [])
    if isinstance(profiles, str):
        profiles = [profiles]
    if not isinstance(profiles, list) or not all(isinstance(p, str) for p in profiles):
        bad("profiles", "'profiles' must be a list of directories")
        profiles = []
    base = os.path.dirname(os.path.abspath(path))
    resolved = tuple(os.path.normpath(os.path.join(base, p)) for p in profiles)
    for directory, given in zip(resolved, profiles):
        if not os.path.isdir(directory):
            bad("profiles", f"profiles directory '{given}' does not exist")
    config = replace(config, profiles=resolved)
    per_file = data.get("per-file-ignores", {})
    if not isinstance(per_file, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in per_file.values()):
        bad("per-file-ignores", "'per-file-ignores' must be a table of GLOB = [CODES]")
        per_file = {}
    for pattern, selectors in per_file.items():
        for problem in check_selectors(selectors, f"per-file-ignores {pattern!r}"):
            bad("per-file-ignores", problem)
    config = replace(config, per_file_ignores={k: tuple(v) for k, v in per_file.items()})
    if problems:
        raise InputError(problems)
    return config


def load_config(first_path: str | None, explicit: str | None = None) -> Config:
    """The configuration for a run: ``explicit`` file, or found by walking up."""
    if explicit is not None:
        import tomllib

        path = Path(explicit)
        if not path.is_file():
            raise InputError([input_error("E004", f"configuration file '{explicit}' does not exist", None)])
        data = _read_toml(path, tomllib)
        if path.name == "pyproject.toml":
            data = data.get("tool", {}).get("msgarch", {})
        return parse_config(str(path), data)
    found = find_config(first_path or ".")
    if found is None:
        return Config()
    return parse_config(*found)
