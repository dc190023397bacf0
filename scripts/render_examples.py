"""Render every example to docs/images/NAME.svg with `msgarch render --heat` (needs Graphviz).

    python scripts/render_examples.py           # the SVGs committed under docs/images/
    python scripts/render_examples.py --png DIR # PNGs too, to look at them

A file that only serves as an include of another example (iot-common.msgarch) is drawn
as part of its includer, not on its own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
IMAGES = ROOT / "docs" / "images"


def root_examples() -> list[Path]:
    """The examples that are not only included by another one."""
    from msgarch.api import load_models

    loaded = load_models([str(p) for p in sorted(EXAMPLES.glob("*.msgarch"))])
    if loaded.problems:
        raise SystemExit("examples do not load: " + "; ".join(d.message for d in loaded.problems))
    return [Path(model.root) for model in loaded.models]


def render(source: Path, out: Path) -> None:
    from click.testing import CliRunner

    from msgarch.cli.main import cli

    # Relative paths, so the SVG says examples/NAME.msgarch wherever the repository is.
    result = CliRunner().invoke(cli, ["render", str(source.relative_to(ROOT)), "-o", str(out), "--heat"])
    if result.exit_code != 0:
        raise SystemExit(f"msgarch render {source.name} failed ({result.exit_code}):\n{result.output}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--png", metavar="DIR", type=Path, help="also write PNGs into DIR")
    args = parser.parse_args(argv)
    import os

    os.chdir(ROOT)
    IMAGES.mkdir(parents=True, exist_ok=True)
    for source in root_examples():
        source = source.resolve()
        render(source, IMAGES / f"{source.stem}.svg")
        print(f"docs/images/{source.stem}.svg")
        if args.png:
            args.png.mkdir(parents=True, exist_ok=True)
            render(source, args.png.resolve() / f"{source.stem}.png")
            print(args.png / f"{source.stem}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
