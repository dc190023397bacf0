#!/usr/bin/env python3
"""Generate docs/rules/<family>.md from the rule docstrings, and the matrix in docs/brokers.md.

    python scripts/gen_rule_docs.py          # rewrite the generated pages
    python scripts/gen_rule_docs.py --check  # exit 1 and name the pages that are out of step

Every rule in the registry lands on the page of its family (the letter of its code),
whatever families exist; tests/test_rule_docs.py fails when a page differs from what
this script would write. The capability matrix in docs/brokers.md is the output of
`msgarch brokers --format markdown`, between two marker comments.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES_DIR = os.path.join(ROOT, "docs", "rules")
BROKERS_DOC = os.path.join(ROOT, "docs", "brokers.md")
MATRIX_START = "<!-- generated: msgarch brokers --format markdown (scripts/gen_rule_docs.py) -->"
MATRIX_END = "<!-- end of generated matrix -->"

#: Titles of the families in the rule catalogue; a family not listed gets a plain title.
FAMILIES = {
    "S": "Structure of the model",
    "P": "Messaging patterns",
    "B": "Broker fit",
    "C": "Capacity and growth",
    "L": "Latency",
    "R": "Resilience and dependencies",
    "X": "Drift against a broker",
}

_SECTION = re.compile(r"^(Fails|Passes|Options|Example|Examples):\s*$")


def _family_of(code: str) -> str:
    return code[0]


def _docstring_markdown(doc: str, language: str = "msgarch") -> list[str]:
    """A rule docstring as Markdown: prose kept, `Fails:`/`Passes:` bold, 4-space blocks fenced
    (as ``language``: a rule whose examples are not msgarch says so in ``example_language``)."""
    lines = inspect.cleandoc(doc or "").splitlines()
    out: list[str] = []
    block: list[str] = []

    def flush_block() -> None:
        while block and not block[-1].strip():
            block.pop()
        if block:
            out.extend([f"```{language}", *block, "```", ""])
            block.clear()

    for line in lines:
        if line.startswith("    ") or (block and not line.strip()):
            block.append(line[4:])
            continue
        flush_block()
        match = _SECTION.match(line)
        out.append(f"**{match.group(1)}:**" if match else line)
    flush_block()
    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip().splitlines()


def _summary_line(doc: str) -> str:
    return inspect.cleandoc(doc or "").split("\n\n", 1)[0].replace("\n", " ").strip()


def _module_notes(modules: list[str]) -> list[str]:
    """The body (after its first line) of each module docstring the family's rules live in."""
    notes: list[str] = []
    for name in modules:
        doc = inspect.cleandoc(sys.modules[name].__doc__ or "")
        body = doc.split("\n\n", 1)[1].strip() if "\n\n" in doc else ""
        if body:
            notes.extend([*body.splitlines(), ""])
    return notes


def rule_pages() -> dict[str, str]:
    """path -> text of every docs/rules page (one per family, plus index.md)."""
    from msgarch.lint.registry import CATALOGUE

    families: dict[str, list] = {}
    for rule in CATALOGUE:
        families.setdefault(_family_of(rule.code), []).append(rule)
    letters = list(FAMILIES) + sorted(set(families) - set(FAMILIES))
    pages: dict[str, str] = {}
    index = ["# Lint rules", "",
             "Generated from the rule docstrings by `scripts/gen_rule_docs.py`; do not edit by hand.",
             "`msgarch rules` lists them and `msgarch rule CODE` prints one. Codes are stable:",
             "select or silence a rule by its code or its name (see the language reference).", "",
             "| family | rules |", "| --- | --- |"]
    for letter in letters:
        rules = sorted(families.get(letter, []), key=lambda r: r.code)
        title = FAMILIES.get(letter, f"{letter} rules")
        index.append(f"| [{letter}: {title}]({letter}.md) | {len(rules)} |")
        page = [f"# {letter} rules: {title}", "",
                "Generated from the rule docstrings by `scripts/gen_rule_docs.py`; do not edit by hand.", ""]
        if not rules:
            page += ["No rule of this family is registered yet.", ""]
            pages[os.path.join(RULES_DIR, f"{letter}.md")] = "\n".join(page)
            continue
        modules = list(dict.fromkeys(rule.__module__ for rule in rules))
        page += _module_notes(modules)
        page += ["| code | name | default severity | fires when |", "| --- | --- | --- | --- |"]
        for rule in rules:
            page.append(f"| [{rule.code}](#{rule.code.lower()}-{rule.name}) | `{rule.name}` | "
                        f"{rule.severity.label} | {rule.summary.replace('|', chr(92) + '|')} |")
        page.append("")
        for rule in rules:
            page += [f"## {rule.code} {rule.name}", "",
                     f"Default severity: **{rule.severity.label}**. Fires when: {rule.summary}.", ""]
            page += _docstring_markdown(rule.__doc__, getattr(rule, "example_language", "msgarch"))
            page.append("")
        pages[os.path.join(RULES_DIR, f"{letter}.md")] = "\n".join(page)
    index += ["", "## Input errors", "",
              "Not rules: input that cannot be used stops the command with exit code 2 and a located",
              "message. They cannot be selected, ignored or silenced.", ""]
    from msgarch.cli.rules_cmd import INPUT_ERRORS
    from msgarch.diagnostics import INPUT_ERROR_CODES

    for code, text in INPUT_ERRORS.items():
        index += [f"### {code} {INPUT_ERROR_CODES[code]}", "", f"Fires when {text}.", ""]
    pages[os.path.join(RULES_DIR, "index.md")] = "\n".join(index)
    return pages


def brokers_page(current: str) -> str:
    """docs/brokers.md with its generated matrix block replaced by the current matrix."""
    from msgarch.brokers.matrix import render_matrix

    start, end = current.find(MATRIX_START), current.find(MATRIX_END)
    if start < 0 or end < start:
        raise SystemExit(f"{BROKERS_DOC}: the matrix markers are missing")
    matrix = render_matrix(fmt="markdown").rstrip("\n")
    return current[:start] + MATRIX_START + "\n\n" + matrix + "\n\n" + current[end:]


def generate() -> dict[str, str]:
    """path -> expected text of every generated page."""
    pages = rule_pages()
    if os.path.exists(BROKERS_DOC):
        with open(BROKERS_DOC, encoding="utf-8") as handle:
            pages[BROKERS_DOC] = brokers_page(handle.read())
    return pages


def stale(pages: dict[str, str]) -> list[str]:
    """Generated pages whose file is missing or differs, and rule pages no family needs."""
    out = []
    for path, text in sorted(pages.items()):
        try:
            with open(path, encoding="utf-8") as handle:
                if handle.read() == text:
                    continue
        except FileNotFoundError:
            pass
        out.append(path)
    if os.path.isdir(RULES_DIR):
        out += sorted(os.path.join(RULES_DIR, name) for name in os.listdir(RULES_DIR)
                      if name.endswith(".md") and os.path.join(RULES_DIR, name) not in pages)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report pages that are out of step")
    args = parser.parse_args(argv)
    sys.path.insert(0, ROOT)
    pages = generate()
    out_of_step = stale(pages)
    if args.check:
        for path in out_of_step:
            print(f"out of step: {os.path.relpath(path, ROOT)}")
        return 1 if out_of_step else 0
    os.makedirs(RULES_DIR, exist_ok=True)
    for path in out_of_step:
        if path in pages:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(pages[path])
            print(f"wrote {os.path.relpath(path, ROOT)}")
        else:
            print(f"no longer generated (remove it): {os.path.relpath(path, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
