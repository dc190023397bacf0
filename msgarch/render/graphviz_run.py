"""The one place that runs Graphviz: DOT text in, SVG/PNG/PDF bytes out."""

from __future__ import annotations

GRAPHVIZ_FORMATS = ("svg", "png", "pdf", "plain", "dot")

INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: "
                "`brew install graphviz`, Windows: `winget install graphviz`) and the "
                "`graphviz` Python package (`pip install graphviz`)")


class GraphvizUnavailable(Exception):
    """Graphviz's programs or the `graphviz` Python package are missing."""


class GraphvizFailed(Exception):
    """Graphviz ran and refused the input (a bug in msgarch's DOT, or a crash)."""


def run_graphviz(source: str, output_format: str, layout: str = "dot", positioned: bool = False) -> bytes:
    """Lay out and draw ``source`` with the Graphviz engine ``layout``; ``positioned``:
    ``source`` is laid out already (every node and line has its ``pos``), draw it as it
    is (`neato -n2`)."""
    if output_format not in GRAPHVIZ_FORMATS:
        raise ValueError(f"Graphviz output format must be one of {GRAPHVIZ_FORMATS}, not {output_format!r}")
    try:
        import graphviz  # imported here: `msgarch lint` never pays for it
    except ImportError:
        raise GraphvizUnavailable(f"the `graphviz` Python package is not installed: {INSTALL_HINT}") from None
    try:
        data = graphviz.pipe("neato" if positioned else layout, output_format, source.encode("utf-8"),
                             neato_no_op=2 if positioned else None, quiet=True)
    except graphviz.ExecutableNotFound:
        raise GraphvizUnavailable(
            f"Graphviz's `{layout}` program was not found on PATH: {INSTALL_HINT}") from None
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip()
        raise GraphvizFailed(f"Graphviz `{layout}` failed (exit {exc.returncode}): {detail}") from None
    return _fixed_creation_date(data) if output_format == "pdf" else data


#: Fixed PDF dates of the two lengths cairo writes, so the file's byte offsets stay valid.
_EPOCH_DATES = {16: b"D:19700101000000", 17: b"D:19700101000000Z", 22: b"D:19700101000000+00'00",
                23: b"D:19700101000000+00'00'"}


def _fixed_creation_date(pdf: bytes) -> bytes:
    """Cairo stamps PDFs with the time of day (and, before 1.17, ignores SOURCE_DATE_EPOCH):
    replace the stamp with the epoch, same length, so the same input gives the same bytes."""
    import re

    def epoch(match: re.Match) -> bytes:
        return b"/" + match.group(1) + b" (" + _EPOCH_DATES.get(len(match.group(2)), match.group(2)) + b")"

    # 22 characters: cairo's form in a time zone east or west of UTC (D:...+01'00)
    return re.sub(rb"/(CreationDate|ModDate) \((D:[^)]*)\)", epoch, pdf)
