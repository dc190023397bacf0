"""Where the project lives: the repository (SARIF `informationUri`, the pre-commit `repo:`)
and each rule's documentation page in it (SARIF `helpUri`, `gitlab` and `junit` output).

One place to change when the repository moves; `OWNER` stands for the account that hosts it.
"""

from __future__ import annotations

#: The project's source repository.
REPOSITORY = "https://github.com/OWNER/msgarch"
#: The branch the documentation links point at.
DOCS_REF = "main"


def rule_doc_url(code: str, name: str | None = None) -> str:
    """The generated documentation page of a rule (docs/rules/<family>.md, at the rule's
    heading); the input-error codes E001-E004 are described on docs/rules/index.md."""
    base = f"{REPOSITORY}/blob/{DOCS_REF}/docs/rules"
    anchor = f"#{code}-{name}".lower() if name else ""
    if code.startswith("E"):
        return f"{base}/index.md{anchor}"
    return f"{base}/{code[0]}.md{anchor}"
