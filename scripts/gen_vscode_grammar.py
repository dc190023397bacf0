"""Write editors/vscode/syntaxes/msgarch.tmLanguage.json from the language's keyword lists.

The declaration and property keywords come from msgarch.dsl.parser (which the grammar's
settings are generated from too), the enum words from msgarch.model, the units from
msgarch.model.units; tests/test_vscode_extension.py fails when the file is not what this
script writes. Run: python scripts/gen_vscode_grammar.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from msgarch.dsl.parser import BLOCK_PROPERTIES, DECLARATION_KEYWORDS  # noqa: E402
from msgarch.model import settings  # noqa: E402
from msgarch.model.model import DELIVERY_GUARANTEES, PATTERNS, PLATFORM_FEATURES, ROUTING_STYLES  # noqa: E402
from msgarch.model.units import DURATION_UNITS, RATE_PER, SIZE_UNITS  # noqa: E402

TARGET = ROOT / "editors" / "vscode" / "syntaxes" / "msgarch.tmLanguage.json"


def words(items) -> str:
    """An alternation of whole words (a word may hold inner hyphens), longest first."""
    unique = sorted(set(items), key=lambda w: (-len(w), w))
    return r"(?<![A-Za-z0-9_-])(?:" + "|".join(re.escape(w) for w in unique) + r")(?![A-Za-z0-9_-])"


def grammar() -> dict:
    properties = {w for block in BLOCK_PROPERTIES.values() for w in block}
    properties |= {"per", "year", "years", "node", "by", "to", "from", "on", "max", "retry", "backoff", "then"}
    values = {*PATTERNS, *DELIVERY_GUARANTEES, *ROUTING_STYLES, *PLATFORM_FEATURES, *settings.FLAG_WORDS}
    units = sorted({*SIZE_UNITS, *DURATION_UNITS, "%"} - {""}, key=lambda u: (-len(u), u))
    unit = "(?:" + "|".join(re.escape(u) for u in units) + r"|k|M)?(?:/(?:" + "|".join(sorted(RATE_PER)) + "))?"
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "msgarch",
        "scopeName": "source.msgarch",
        "fileTypes": ["msgarch"],
        "patterns": [
            {"include": "#comment"},
            {"include": "#string"},
            {"include": "#declaration"},
            {"include": "#quantity"},
            {"include": "#property"},
            {"include": "#value"},
            {"include": "#operator"},
            {"include": "#punctuation"},
            {"include": "#name"},
        ],
        "repository": {
            "comment": {
                "patterns": [
                    {
                        "name": "comment.line.number-sign.suppression.msgarch",
                        "match": r"(#)\s*(msgarch:\s*ignore)(?:(\[)([^\]]*)(\]))?.*$",
                        "captures": {
                            "1": {"name": "punctuation.definition.comment.msgarch"},
                            "2": {"name": "keyword.other.suppression.msgarch"},
                            "3": {"name": "punctuation.definition.suppression.begin.msgarch"},
                            "4": {"name": "constant.other.rule-code.msgarch"},
                            "5": {"name": "punctuation.definition.suppression.end.msgarch"},
                        },
                    },
                    {
                        "name": "comment.line.number-sign.msgarch",
                        "match": r"(#).*$",
                        "captures": {"1": {"name": "punctuation.definition.comment.msgarch"}},
                    },
                ]
            },
            "string": {
                "name": "string.quoted.double.msgarch",
                "begin": '"',
                "end": r'"|$',
                "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.msgarch"}},
                "endCaptures": {"0": {"name": "punctuation.definition.string.end.msgarch"}},
                "patterns": [{"name": "constant.character.escape.msgarch", "match": r"\\."}],
            },
            "declaration": {
                "match": r"^\s*(" + "|".join(DECLARATION_KEYWORDS) + r")(?![A-Za-z0-9_-])"
                         r"(?:\s+([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*))?",
                "captures": {
                    "1": {"name": "keyword.declaration.msgarch"},
                    "2": {"name": "entity.name.type.msgarch"},
                },
            },
            "quantity": {
                "match": r"(?<![A-Za-z0-9_.-])([0-9]+(?:\.[0-9]+)?)(" + unit + r")(?![A-Za-z0-9_])",
                "captures": {
                    "1": {"name": "constant.numeric.msgarch"},
                    "2": {"name": "keyword.other.unit.msgarch"},
                },
            },
            "property": {"name": "variable.other.property.msgarch", "match": words(properties)},
            "value": {"name": "constant.language.msgarch", "match": words(values)},
            "operator": {"name": "keyword.operator.arrow.msgarch", "match": r"-\[|\]->|->|\.\."},
            "punctuation": {
                "patterns": [
                    {"name": "punctuation.section.block.begin.msgarch", "match": r"\{"},
                    {"name": "punctuation.section.block.end.msgarch", "match": r"\}"},
                    {"name": "punctuation.separator.msgarch", "match": r"[:,;]"},
                ]
            },
            "name": {"name": "variable.other.name.msgarch",
                     "match": r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*"},
        },
    }


def render() -> str:
    return json.dumps(grammar(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
