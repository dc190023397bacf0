"""Graphviz's SVG, finished: exact tooltips as `<title>`s, no links, comments or scripts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from msgarch.render.scene import Scene
from msgarch.render.text import clean

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_TITLE = f"{{{SVG_NS}}}title"
_ANCHOR = f"{{{SVG_NS}}}a"
_FORBIDDEN = {f"{{{SVG_NS}}}{tag}" for tag in ("script", "foreignObject", "iframe", "object", "embed",
                                                  "use", "image", "animate", "set", "handler")}


def tooltips(scene: Scene) -> dict[str, str]:
    """SVG element id -> its exact tooltip text."""
    tips = {node.id: node.tooltip for node in scene.nodes}
    tips.update((edge.id, edge.tooltip) for edge in scene.edges)
    tips.update((cluster.id, cluster.tooltip or (("zone " if cluster.kind == "zone" else
                                                  "components on broker " if cluster.kind == "broker" else "")
                                                 + cluster.label)) for cluster in scene.clusters)
    return tips


def finish_svg(svg: bytes | str, scene: Scene | None = None, declaration: bool = True) -> str:
    """Rewrite Graphviz's SVG so that each node, edge and cluster group's `<title>` (what
    a browser shows on hover) is the scene's tooltip, taken from the model verbatim
    rather than through Graphviz's escapes; unwrap the `<a>` elements Graphviz adds for
    tooltips; drop comments, the DOCTYPE and anything that could run or load."""
    fast = _finish_fast(svg, scene, declaration)
    if fast is not None:
        return fast
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg.encode("utf-8") if isinstance(svg, str) else svg)
    tips = tooltips(scene) if scene is not None else {}
    _clean_tree(root, tips)
    if scene is not None:
        graph = root.find(f"{{{SVG_NS}}}g")
        title = graph.find(_TITLE) if graph is not None else None
        if title is not None:
            title.text = clean(scene.title)
    text = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + text + "\n") if declaration else text


#: What Graphviz writes for a diagram drawn without tooltips (``to_dot(tooltips=False)``):
#: only these elements and attributes, nothing that could link, load or run.
_SAFE_TAGS = frozenset({"svg", "g", "title", "path", "polygon", "polyline", "ellipse", "text", "defs",
                        "linearGradient", "radialGradient", "stop"})
_SAFE_ATTRIBUTES = frozenset({
    "width", "height", "viewBox", "xmlns", "xmlns:xlink", "id", "class", "transform", "fill", "stroke",
    "stroke-width", "stroke-dasharray", "stroke-opacity", "fill-opacity", "d", "points", "cx", "cy", "rx",
    "ry", "x", "y", "x1", "y1", "x2", "y2", "text-anchor", "font-family", "font-weight", "font-style",
    "font-size", "text-decoration", "offset", "style", "gradientUnits", "r", "fx", "fy"})
_PROLOGUE = re.compile(r"\A\s*(?:<\?xml[^>]*\?>\s*)?(?:<!DOCTYPE[^>\[]*>\s*)?(?:<!--(?:[^-]|-(?!->))*-->\s*)*")
_COMMENT = re.compile(r"<!--(?:[^-]|-(?!->))*-->")
_OPEN = re.compile(r"<")
_START = re.compile(r'<[A-Za-z][\w:.-]*(?:\s+[\w:.-]+="[^"<]*")*\s*/?>')
_CLOSE = re.compile(r"</[A-Za-z][\w:.-]*\s*>")
_START_NAME = re.compile(r"<([A-Za-z][\w:.-]*)")
_CLOSE_NAME = re.compile(r"</([A-Za-z][\w:.-]*)")
#: Attribute names, and in text (where `"` is written &quot;) nothing: a superset of the names.
_ATTRIBUTE = re.compile(r'\s([\w:.-]+)="')
_GROUP_TITLE = re.compile(r'(<g id="([^"]*)" class="(?:node|edge|cluster|graph)"[^>]*>\s*<title>)([^<]*)(</title>)')


def _finish_fast(svg: bytes | str, scene: Scene | None, declaration: bool) -> str | None:
    """``finish_svg`` without building a tree, for what Graphviz writes from DOT without
    tooltips: every tag is checked against a short list of drawing elements and
    attributes, and anything else (an `<a>`, a script, an event handler, a link, text
    this scan does not understand) returns None, for the tree-walking path. Comments
    and the DOCTYPE are dropped; titles become the scene's tooltips."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    prologue = _PROLOGUE.match(text)
    body = _COMMENT.sub("", text[prologue.end():] if prologue else text)
    # Every "<" opens a start tag of the full form name attr="value"... or a closing tag:
    # count them, and check each name against the short lists.
    if len(_OPEN.findall(body)) != len(_START.findall(body)) + len(_CLOSE.findall(body)):
        return None
    names = set(_START_NAME.findall(body)) | set(_CLOSE_NAME.findall(body))
    if not names <= _SAFE_TAGS or not set(_ATTRIBUTE.findall(body)) <= _SAFE_ATTRIBUTES:
        return None
    if "&" in body and re.search(r"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)", body):
        return None  # an entity XML does not define: let the parser decide
    tips = tooltips(scene) if scene is not None else {}
    title = clean(scene.title) if scene is not None else None

    def retitle(match: re.Match) -> str:
        element_id = match.group(2)
        if element_id == "graph0" and title is not None:
            return match.group(1) + _xml_text(title) + match.group(4)
        if element_id in tips:
            return match.group(1) + _xml_text(clean(tips[element_id])) + match.group(4)
        return match.group(0)

    body = _GROUP_TITLE.sub(retitle, body).strip()
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + body + "\n") if declaration else body


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clean_tree(element: ET.Element, tips: dict[str, str]) -> None:
    title = element.find(_TITLE)
    if title is not None:
        if element.get("id") in tips:
            title.text = clean(tips[element.get("id")])
        else:
            anchor = next(element.iter(_ANCHOR), None)
            if anchor is not None and anchor.get(f"{{{XLINK_NS}}}title"):
                title.text = anchor.get(f"{{{XLINK_NS}}}title")
    for child in list(element):
        if not isinstance(child.tag, str) or child.tag in _FORBIDDEN:
            element.remove(child)
    index = 0
    while index < len(element):
        child = element[index]
        if child.tag == _ANCHOR:  # keep the drawing, drop the link
            element.remove(child)
            for offset, grandchild in enumerate(list(child)):
                element.insert(index + offset, grandchild)
            continue
        index += 1
    for name in list(element.attrib):
        local = name.rsplit("}", 1)[-1].lower()
        if local.startswith("on") or local == "href":
            del element.attrib[name]
    if element.text is not None and not element.text.strip():
        element.text = "\n"
    if element.tail is not None and not element.tail.strip():
        element.tail = "\n"
    for child in element:
        _clean_tree(child, tips)


_ROOT = re.compile(r"<svg\b[^>]*>")
_SIZE = re.compile(r'\b(width|height|viewBox)="([^"]*)"')


def _root_size(svg: str) -> tuple[str, dict[str, str], str]:
    match = _ROOT.search(svg)
    if match is None:
        raise ValueError("not an SVG document")
    attributes = dict(_SIZE.findall(match.group(0)))
    return svg[:match.start()], attributes, svg[match.end():]


def stack_svg(diagram: str, legend: str, gap: float = 12.0) -> str:
    """One SVG document: the finished ``diagram`` with the finished ``legend`` centred
    under it (both ``finish_svg(..., declaration=False)``), each kept as a nested `<svg>`
    with its own viewBox, so neither is laid out again."""
    parts = []
    boxes = []
    for svg in (diagram, legend):
        _, attributes, body = _root_size(svg)
        box = [float(v) for v in attributes.get("viewBox", "0 0 0 0").split()]
        boxes.append(box)
        parts.append((attributes.get("viewBox", "0 0 0 0"), box, body))
    width = max(box[2] for box in boxes)
    height = boxes[0][3] + gap + boxes[1][3]
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
           f'<svg xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}" width="{width:.0f}pt" height="{height:.0f}pt" '
           f'viewBox="0.00 0.00 {width:.2f} {height:.2f}">']
    y = 0.0
    for index, (view_box, box, body) in enumerate(parts):
        x = (width - box[2]) / 2
        ident = "diagram" if index == 0 else "legend"
        out.append(f'<svg id="{ident}" x="{x:.2f}" y="{y:.2f}" width="{box[2]:.2f}" height="{box[3]:.2f}" '
                   f'viewBox="{view_box}">' + body)
        y += box[3] + gap
    return "\n".join(out) + "\n</svg>\n"
