"""`msgarch plan`: the capacity plan year by year over the horizon (see ``plan.py``)."""

from msgarch.plan.plan import FORMATS, build, render, render_json, render_markdown, render_text

__all__ = ["FORMATS", "build", "render", "render_json", "render_markdown", "render_text"]
