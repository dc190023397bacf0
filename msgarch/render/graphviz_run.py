"""The one place that runs Graphviz: DOT text in, SVG/PNG/PDF bytes out."""

from __future__ import annotations

GRAPHVIZ_FORMATS = ("svg", "png", "pdf", "plain")

INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: "
                "`brew install graphviz`, Windows: `winget install graphviz`) and the "
                "`graphviz` Python package (`pip install graphviz`)")


class GraphvizUnavailable(Exception):
    """Graphviz's programs or the `graphviz` Python package are missing."""


class GraphvizFailed(Exception):
    """Graphviz ran and refused the input (a bug in msgarch's DOT, or a crash)."""


def run_graphviz(source: str, output_format: str, layout: str = "dot") -> bytes:
    """Lay out and draw ``source`` with the Graphviz engine ``layout``."""
    if output_format not in GRAPHVIZ_FORMATS:
        raise ValueError(f"Graphviz output format must be one of {GRAPHVIZ_FORMATS}, not {output_format!r}")
    try:
        import graphviz  # imported here: `msgarch lint` never pays for it
    except ImportError:
        raise GraphvizUnavailable(f"the `graphviz` Python package is not installed: {INSTALL_HINT}") from None
    try:
        return graphviz.pipe(layout, output_format, source.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:
        raise GraphvizUnavailable(
            f"Graphviz's `{layout}` program was not found on PATH: {INSTALL_HINT}") from None
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip()
        raise GraphvizFailed(f"Graphviz `{layout}` failed (exit {exc.returncode}): {detail}") from None
