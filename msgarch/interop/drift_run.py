"""Read a drift SOURCE (definitions file, management API, KafkaTopic files) and turn the
differences into Diagnostics through the X rules, with severities, suppressions and
per-file ignores applied as lint applies them."""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

from msgarch.diagnostics import Diagnostic

#: Environment variables the management API credentials can come from (never printed).
USER_VARIABLE = "MSGARCH_RABBITMQ_USER"
PASSWORD_VARIABLE = "MSGARCH_RABBITMQ_PASSWORD"
TIMEOUT = 15.0  # seconds, per request


class DriftSourceError(Exception):
    """The source cannot be read; the message names it without credentials."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Credentials are sent to the host given and nowhere else: a redirect is an error."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D401
        raise urllib.error.HTTPError(req.full_url, code, f"redirected ({code}); not followed", headers, fp)


def public_url(url: str) -> str:
    """The URL without user, password, query or fragment: what messages may show."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}"


def fetch_definitions(url: str, vhost: str) -> dict:
    """GET /api/definitions/VHOST from a RabbitMQ management API."""
    parts = urllib.parse.urlsplit(url)
    shown = public_url(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DriftSourceError(f"'{shown}' is not an http(s) URL of a management API")
    user = urllib.parse.unquote(parts.username) if parts.username else os.environ.get(USER_VARIABLE)
    password = urllib.parse.unquote(parts.password) if parts.password is not None else os.environ.get(
        PASSWORD_VARIABLE)
    base = shown[len(f"{parts.scheme}://"):]
    endpoint = f"{parts.scheme}://{base}/api/definitions/{urllib.parse.quote(vhost, safe='')}"
    request = urllib.request.Request(endpoint, headers={"Accept": "application/json"})
    if user is not None:
        token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
        request.add_header("Authorization", f"Basic {token}")
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            body = response.read(64 * 1024 * 1024 + 1)
    except urllib.error.HTTPError as exc:
        said = _reason(exc)
        reason = {401: "the credentials were refused (401); give them in the URL or in "
                       f"{USER_VARIABLE} and {PASSWORD_VARIABLE}",
                  403: "the user may not read definitions (403): it needs the administrator or "
                       "policymaker tag"}.get(exc.code, f"HTTP {exc.code}" + (f": {said}" if said else ""))
        if exc.code in (400, 404) and vhost:
            reason += f" (virtual host '{vhost}': does it exist?)"
        raise DriftSourceError(f"{shown}: {reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        text = getattr(reason, "strerror", None) or str(reason)
        raise DriftSourceError(f"cannot reach {shown}: {text}") from None
    if len(body) > 64 * 1024 * 1024:
        raise DriftSourceError(f"{shown}: the answer is larger than 64 MiB")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise DriftSourceError(f"{shown}: the answer is not JSON (is this the management API port?)") from None
    from msgarch.interop.rabbitmq import DefinitionsError, check_definitions

    try:
        return check_definitions(data, shown)
    except DefinitionsError as exc:
        raise DriftSourceError(str(exc).replace(f"{shown}:1:1:", f"{shown}:", 1)) from None


def _reason(exc) -> str:
    """The management API's own `reason` for an error, on one line, at most 200 characters."""
    from msgarch.textsafe import line

    try:
        body = json.loads(exc.read(4096).decode("utf-8"))
    except Exception:  # noqa: BLE001 - any unreadable body: no reason to add
        return ""
    reason = body.get("reason") if isinstance(body, dict) else None
    return " ".join(line(str(reason)).split())[:200] if reason else ""


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except UnicodeDecodeError:
        raise DriftSourceError(f"'{path}' is not UTF-8 text") from None
    except OSError as exc:
        raise DriftSourceError(f"cannot read '{path}': {exc.strerror or exc}") from None


def _yaml_files(path: str) -> list[str]:
    from msgarch.fsread import leaves

    if not os.path.isdir(path):
        return [path]
    found = []
    for folder, subfolders, names in os.walk(path):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for n in names:
            full = os.path.join(folder, n)
            if n.endswith((".yaml", ".yml")) and not (os.path.islink(full) and leaves(full, path)):
                found.append(full)
    return sorted(found)


def run_drift(model, config, source: str, broker: str | None = None, vhost: str = "/",
              select=None, ignore=None) -> tuple[list[Diagnostic], float, str]:
    from msgarch.interop import drift as engine
    from msgarch.interop import kafka, rabbitmq
    from msgarch.cli.drift_cmd import _pick_broker

    started = time.perf_counter()
    if source.startswith(("http://", "https://")):
        data = fetch_definitions(source, vhost)
        label = public_url(source)
        kind = "rabbitmq"
    elif source.lower().endswith(".json"):
        text = _read_text(source)
        try:
            data = rabbitmq.parse_definitions(text, source)
        except rabbitmq.DefinitionsError as exc:
            raise DriftSourceError(str(exc)) from None
        label, kind = source, "rabbitmq"
    else:
        if not os.path.exists(source):
            raise DriftSourceError(f"'{source}' does not exist (give a definitions .json file, KafkaTopic YAML "
                                   "files or a management API URL)")
        topics = []
        for path in _yaml_files(source):
            try:
                topics.extend(kafka.read_topics(_read_text(path), path))
            except kafka.TopicsError as exc:
                raise DriftSourceError(str(exc)) from None
        label, kind = source, "kafka"
    read_seconds = time.perf_counter() - started
    if kind == "rabbitmq":
        chosen = _pick_broker(model, rabbitmq.rabbitmq_brokers(model), broker, "RabbitMQ")
        expected = rabbitmq.export_definitions(model, chosen, vhost=vhost)
        observed = rabbitmq.state_of(data, vhost)
        found = engine.rabbitmq_findings(model, chosen, expected, observed, label)
    else:
        chosen = _pick_broker(model, kafka.kafka_brokers(model), broker, "Kafka")
        expected = kafka.export_topics(model, chosen)
        found = engine.kafka_findings(model, chosen, expected, kafka.observed(topics), label)
    return to_diagnostics(model, config, found, select, ignore), read_seconds, label


def to_diagnostics(model, config, found, select=None, ignore=None) -> list[Diagnostic]:
    from msgarch.lint.registry import DRIFT_RULES
    from msgarch.lint.rule import LintContext
    from msgarch.lint.runner import _apply_suppressions, _to_diagnostic
    from msgarch.lint.suppress import find_suppressions

    def matches(rule, selectors) -> bool:
        return any(rule.code.startswith(s.upper()) or rule.name == s.lower() or s == "ALL" for s in selectors)

    enabled = [r for r in DRIFT_RULES if (select is None or matches(r, select))
               and not (ignore and matches(r, ignore))]
    import networkx as nx

    ctx = LintContext(model, nx.MultiDiGraph())
    ctx._cache["drift"] = found
    raw = []
    for rule_class in enabled:
        for finding in rule_class().check(ctx):
            declaration = finding.declaration()
            raw.append((_to_diagnostic(rule_class, finding, config),
                        declaration.line if declaration is not None else None))
    suppressions = {path: find_suppressions(path, text) for path, text in sorted(model.sources.items())}
    kept, _used = _apply_suppressions(raw, suppressions)
    kept = [d for d in kept if d.span is None or d.code not in config.ignored_for(d.span.path)]
    return sorted(set(kept), key=Diagnostic.sort_key)
