"""Shell completion (click's: `_MSGARCH_COMPLETE=bash_source msgarch`, see README):
custom completers for broker kinds and rule codes. Imported by command modules, so
it imports nothing heavy until a completion is asked for."""

from __future__ import annotations


def _items(candidates, incomplete: str, case_insensitive: bool = True):
    from click.shell_completion import CompletionItem

    wanted = incomplete.lower() if case_insensitive else incomplete
    return [CompletionItem(value, help=help_text) for value, help_text in candidates
            if (value.lower() if case_insensitive else value).startswith(wanted)]


def _rules():
    from msgarch.lint.registry import RULES

    return RULES


def complete_rule_codes(ctx, param, incomplete: str):
    """Rule codes (B203) and the input-error codes, each with its summary."""
    from msgarch.cli.rules_cmd import INPUT_ERRORS

    rules = [(r.code, r.summary) for r in _rules()]
    return _items(rules + [(code, text) for code, text in INPUT_ERRORS.items()], incomplete)


def complete_rule_selectors(ctx, param, incomplete: str):
    """What `--select`/`--ignore` take: codes, family prefixes and rule names; after a
    comma, the next selector of the list."""
    head, _, last = incomplete.rpartition(",")
    prefix = head + "," if head else ""
    rules = _rules()
    families = sorted({r.code[0] for r in rules})
    candidates = [(f, f"the {f} rules") for f in families] + [(r.code, r.summary) for r in rules] + \
        [(r.name, r.code) for r in rules]
    return [type(item)(prefix + item.value, help=item.help) for item in _items(candidates, last)]


def complete_broker_kinds(ctx, param, incomplete: str):
    """Built-in broker kinds (rabbitmq-quorum), with their display names."""
    from msgarch.brokers import builtin_ids, load_builtin

    return _items([(kind, load_builtin(kind).name) for kind in builtin_ids()], incomplete)
