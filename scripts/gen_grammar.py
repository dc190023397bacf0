"""Write the setting rules of language v2 into grammar/msgarch.lark.

The rules between the `// BEGIN GENERATED SETTINGS` and `// END GENERATED SETTINGS`
markers come from the keyword tables in msgarch/model/settings.py, one rule per keyword
(`set_<keyword>`), shaped by its value shape. Run it after changing those tables; a
test fails when the grammar and the tables disagree.

    python scripts/gen_grammar.py          # rewrite the grammar
    python scripts/gen_grammar.py --check  # exit 1 if it would change
"""

from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from msgarch.model import settings  # noqa: E402

GRAMMAR = ROOT / "grammar" / "msgarch.lark"
BEGIN, END = "// BEGIN GENERATED SETTINGS", "// END GENERATED SETTINGS"

SHAPE_BODY = {
    "flag": "SWITCH?",
    "word": "(NAME | QUANTITY)",
    "words": "NAME+",
    "count": "QUANTITY",
    "duration": "QUANTITY",
    "size": "QUANTITY",
    "rate": "QUANTITY",
    "percent": "QUANTITY",
    "string": "STRING",
    "strings": "STRING+",
    "channel": "NAME",
    "key": '(STRING+ | "by" NAME)',
    "processing": 'QUANTITY ("max" QUANTITY)?',
    "on-error": '(NAME | "retry" QUANTITY ("backoff" QUANTITY ".." QUANTITY)? ("then" NAME)?)',
}


def rule_name(keyword: str) -> str:
    return "set_" + keyword.replace("-", "_")


def generated() -> str:
    tables = {
        "channel": settings.CHANNEL_SETTINGS,
        "route": settings.ROUTE_SETTINGS,
        "publish": settings.PUBLISH_SETTINGS,
        "consume": settings.CONSUME_SETTINGS,
        "broker": settings.BROKER_SETTINGS,
    }
    shapes: dict[str, str] = {}
    for table in tables.values():
        for keyword, shape in table.items():
            if shapes.setdefault(keyword, shape) != shape:
                raise SystemExit(f"setting {keyword!r} has two shapes: {shapes[keyword]} and {shape}")
    lines = [BEGIN, "// Do not edit by hand: scripts/gen_grammar.py writes this part from",
             "// msgarch/model/settings.py."]
    for block, table in tables.items():
        alternatives = " | ".join(rule_name(k) for k in table)
        lines.append(f"_{block}_setting: {alternatives}")
    endpoint = list(dict.fromkeys([*settings.PUBLISH_SETTINGS, *settings.CONSUME_SETTINGS]))
    lines.append("_endpoint_setting: " + " | ".join(rule_name(k) for k in endpoint))
    for keyword in sorted(shapes):
        lines.append(f'{rule_name(keyword)}: "{keyword}" {SHAPE_BODY[shapes[keyword]]}')
    lines.append(END)
    return "\n".join(lines)


def rewritten(text: str) -> str:
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + generated() + tail


def main(argv: list[str]) -> int:
    text = GRAMMAR.read_text(encoding="utf-8")
    new = rewritten(text)
    if "--check" in argv:
        if new != text:
            print("msgarch.lark is out of date: run python scripts/gen_grammar.py", file=sys.stderr)
            return 1
        return 0
    GRAMMAR.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
