"""Load broker capability profiles (built-in JSON, user JSON/YAML) and answer questions about them."""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from msgarch.diagnostics import Diagnostic, Span, input_error

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
BUILTIN_DIR = os.path.join(_PACKAGE_DIR, "profiles")
#: Profiles of transports that are not brokers (WebSocket, HTTP streaming), for models imported
#: from AsyncAPI: usable as broker kinds, but not among the built-in brokers that `msgarch
#: brokers`, `recommend` and the fit analysis compare.
TRANSPORT_DIR = os.path.join(_PACKAGE_DIR, "transports")
SCHEMA_PATH = os.path.join(_PACKAGE_DIR, "profile.schema.json")
USER_PROFILE_SUFFIXES = (".json", ".yaml", ".yml")

#: Every fact a profile must state, as field paths (the rows of ``msgarch brokers``).
FACT_PATHS: tuple[str, ...] = (
    "patterns.queue",
    "patterns.pubsub",
    "patterns.request-reply",
    "routing.topic",
    "routing.header",
    "routing.content",
    "delivery",
    "durable",
    "durable-subscriptions",
    "replicated",
    "ordering",
    "priority",
    "ttl",
    "queue-ttl",
    "delay",
    "dead-letter",
    "replay",
    "max-message",
    "latency",
    "throughput",
    "ops.monitoring",
    "ops.declarative-provisioning",
    "ops.licence",
    "ops.managed-service",
)

#: ``priority.levels: null`` means "any number"; the typed accessor reports this many.
UNBOUNDED_PRIORITY_LEVELS = 2**31 - 1

_VERSION_RE = re.compile(r"^\s*v?(\d+(?:\.\d+)*)")
_CLAUSE_RE = re.compile(r"^\s*(>=|<=|>|<|==|!=)\s*(\d+(?:\.\d+)*)\s*$")


class ProfileError(Exception):
    """A profile that cannot be used: unreadable, unparsable, or failing the schema (E003)."""

    def __init__(self, path: str, pointer: str, message: str, span: Span | None = None,
                 more: tuple[tuple[str, str], ...] = (), hint: str = ""):
        self.path = path
        self.pointer = pointer
        self.message = message
        self.span = span
        self.more = more  # further (pointer, message) problems of the same file; pointer None: a count
        self.hint = hint
        super().__init__(self.text)

    @property
    def text(self) -> str:
        text = f"{self.path}: {self.pointer or '(root)'}: {self.message}"
        for pointer, message in self.more:
            text += f"; {message}" if pointer is None else f"; {pointer or '(root)'}: {message}"
        return text

    def __str__(self) -> str:
        return self.text

    def to_diagnostic(self, span: Span | None = None) -> Diagnostic:
        return input_error("E003", self.text, span if span is not None else self.span, hint=self.hint)


class UnknownKindError(ProfileError, KeyError):
    """A broker kind that is neither built in, nor in the profiles directories, nor custom.

    Also a KeyError, so callers that leave unknown kinds to S001 can tell it from a broken
    profile file (E003).
    """


@dataclass(frozen=True)
class Fact:
    """One capability or figure of one profile, with its note, source and doubt."""

    profile_id: str
    path: str
    support: str | None
    value: Any
    note: str = ""
    source: str = ""
    uncertain: str = ""
    version: str | None = None

    def summary(self) -> str:
        """The verdict in a few words: "no", "partial, 2 levels", "default 16 MiB"..."""
        return summarize(self.path, self.value)

    def cite(self) -> str:
        where = f"{self.profile_id} profile" + (f" (version {self.version})" if self.version else "")
        text = f"{where}, {self.path}: {self.summary()}"
        if self.source:
            text += f" (source: {self.source})"
        if self.uncertain:
            text += f" (uncertain: {self.uncertain})"
        return text


@dataclass(frozen=True)
class Profile:
    """A broker profile after merging overrides and applying a version; ``data`` is the raw merged mapping."""

    id: str
    name: str
    description: str
    model: str
    data: dict = field(hash=False, repr=False)
    version: str | None = None
    origin: tuple[str, ...] = ()
    #: path -> Fact, filled as facts are asked for (broker-fit asked 81,862 times on one example)
    _facts: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    # -- facts ---------------------------------------------------------------------------
    def fact(self, path: str) -> Fact:
        cached = self._facts.get(path)
        if cached is not None:
            return cached
        self._facts[path] = fact = self._fact(path)
        return fact

    def _fact(self, path: str) -> Fact:
        value = _lookup(self.data, path)
        if value is _MISSING:
            raise KeyError(f"{self.id} profile has no field {path!r}")
        support = value.get("support") if isinstance(value, Mapping) else None
        note = value.get("note", "") if isinstance(value, Mapping) else ""
        inline_source = value.get("source", "") if isinstance(value, Mapping) else ""
        inline_doubt = value.get("uncertain", "") if isinstance(value, Mapping) else ""
        return Fact(
            profile_id=self.id,
            path=path,
            support=support,
            value=value,
            note=note,
            source=inline_source or _nearest(self.data.get("sources", {}), path),
            uncertain=inline_doubt or _nearest(self.data.get("uncertain", {}), path),
            version=self.version,
        )

    def facts(self) -> tuple[Fact, ...]:
        return tuple(self.fact(path) for path in FACT_PATHS)

    def supports(self, path: str) -> str:
        support = self.fact(path).support
        if support is None:
            raise ValueError(f"{path!r} is a figure, not a yes/no/partial capability")
        return support

    # -- typed accessors -----------------------------------------------------------------
    @property
    def priority_levels(self) -> int:
        levels = self.data["priority"].get("levels", 0)
        if self.data["priority"].get("support") == "no":
            return 0
        return UNBOUNDED_PRIORITY_LEVELS if levels is None else int(levels)

    @property
    def max_message_default(self) -> float | None:
        return _number(self.data["max-message"].get("default"))

    @property
    def max_message_hard(self) -> float | None:
        return _number(self.data["max-message"].get("hard-limit"))

    @property
    def delay_max(self) -> float | None:
        return _number(self.data["delay"].get("max-seconds"))

    @property
    def delivery(self) -> str:
        return self.data["delivery"]["guarantee"]

    @property
    def latency_p50(self) -> float:
        return float(self.data["latency"]["p50"])

    @property
    def latency_p99(self) -> float:
        return float(self.data["latency"]["p99"])

    @property
    def throughput_per_node(self) -> float | None:
        return _number(self.data["throughput"].get("per-node"))

    @property
    def ordering_scope(self) -> str:
        return self.data["ordering"]["scope"]

    @property
    def ordering_keeps_with(self) -> tuple[str, ...]:
        return tuple(self.data["ordering"].get("keeps-with", ()))

    @property
    def pubsub_per_instance(self) -> bool:
        """A `pattern pubsub` subscription belongs to one connection: every subscribing
        instance receives every message (``patterns.pubsub.per-instance``)."""
        return bool(self.data["patterns"]["pubsub"].get("per-instance", False))

    @property
    def partitioned(self) -> bool:
        return bool(self.data["patterns"]["queue"].get("partitioned", False))

    @property
    def licence(self) -> str:
        return self.data["ops"]["licence"]["category"]

    @property
    def ops(self) -> dict:
        return self.data["ops"]

    @property
    def uncertain(self) -> Mapping[str, str]:
        return self.data.get("uncertain", {})

    # -- broker settings -----------------------------------------------------------------
    def with_settings(self, settings: Mapping[str, Any]) -> "Profile":
        """This profile with the `when-set` overrides of every fact whose setting the broker
        declares with the value the override names (``scheduler on``, ``plugins ...``).

        A fact's ``when-set`` cases are tried in order and the first that matches wins; its
        ``then`` fields replace the fact's own, note and source included.
        """
        if not settings:
            return self
        key = (self, _settings_key(settings))  # equal profiles (data included) share an entry
        found = _WITH_SETTINGS.get(key)
        if found is not None:
            return found
        data = self.data
        for path in FACT_PATHS:
            value = _lookup(data, path)
            if not isinstance(value, Mapping):
                continue
            for case in value.get("when-set") or ():
                if case.get("setting") in settings and _setting_matches(case, settings[case["setting"]]):
                    merged = {k: v for k, v in value.items() if k not in ("note", "source", "uncertain")}
                    merged = deep_merge(merged, case.get("then") or {})
                    merged.pop("when-set", None)
                    data = _replace_at(data, path, merged)
                    break
        found = self if data is self.data else Profile(self.id, self.name, self.description, self.model,
                                                        data, self.version, self.origin)
        _WITH_SETTINGS[key] = found
        return found

    # -- versions ------------------------------------------------------------------------
    def at_version(self, version: str | None) -> "Profile":
        """This profile with the overrides of every range that ``version`` falls in."""
        if version is None:
            return self
        where = self.origin[-1] if self.origin else self.id
        wanted = parse_version(version)
        if wanted is None:
            raise ProfileError(where, "/versions", f"version {version!r} is not a version number like 4.0 or 3.13.2")
        data = self.data
        for spec, override in self.data.get("versions", {}).items():
            if version_matches(spec, wanted):
                data = deep_merge(data, override)
        return Profile(self.id, data["name"], data["description"], data["model"], data, version, self.origin)


_MISSING = object()
_WITH_SETTINGS: dict[tuple, "Profile"] = {}
_SETTING_WORDS = {"on": True, "off": False, "true": True, "false": False, "yes": True, "no": False}


def _setting_value(value: Any) -> Any:
    """A declared setting as the profile's `when-set` compares it: flag words as booleans,
    names in lower case with `_` read as `-`, word lists as tuples."""
    if isinstance(value, str):
        word = value.strip().lower()
        return _SETTING_WORDS.get(word, word.replace("_", "-"))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_setting_value(item) for item in value)
    return value


def _settings_key(settings: Mapping[str, Any]) -> tuple:
    return tuple(sorted((str(name), repr(_setting_value(value))) for name, value in settings.items()))


def _setting_matches(case: Mapping, declared: Any) -> bool:
    value = _setting_value(declared)
    if "includes" in case:
        words = value if isinstance(value, tuple) else (value,)
        return _setting_value(case["includes"]) in words
    if "equals" in case:
        return value == _setting_value(case["equals"])
    return True


def _replace_at(data: Mapping, path: str, value: Any) -> dict:
    """A copy of ``data`` with the field at ``path`` replaced (the rest shared)."""
    head, _, rest = path.partition(".")
    copy_ = dict(data)
    copy_[head] = _replace_at(data[head], rest, value) if rest else value
    return copy_


def _lookup(data: Mapping, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _nearest(table: Mapping[str, str], path: str) -> str:
    """The entry for ``path`` or for its closest enclosing field ("patterns" covers "patterns.queue")."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        value = table.get(".".join(parts[:end]))
        if value:
            return value
    return ""


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def deep_merge(base: Mapping, override: Mapping) -> dict:
    """A new mapping: ``override``'s fields over ``base``'s, recursing into nested mappings."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def overlay(base: Mapping, document: Mapping) -> dict:
    """``document``'s fields over a base profile, for user overrides.

    Deep merge, except that a fact the document touches loses the base's note, source and
    doubt unless the document gives its own: they described the base's verdict, not the
    user's, and a stale note or citation would mislead whoever reads the finding.
    """
    touched = [path for path in FACT_PATHS if _lookup(document, path) is not _MISSING]
    merged = deep_merge(base, document)
    for path in touched:
        given, value = _lookup(document, path), _lookup(merged, path)
        if isinstance(given, Mapping) and isinstance(value, dict):
            for key in ("note", "source", "uncertain"):
                if key not in given:
                    value.pop(key, None)
    for table in ("sources", "uncertain"):
        supplied = document.get(table) if isinstance(document.get(table), Mapping) else {}
        entries = dict(merged.get(table) or {}) if isinstance(merged.get(table), Mapping) else merged.get(table)
        if not isinstance(entries, dict):
            continue  # the schema check reports it
        for path in touched:
            _forget(entries, path, supplied)
        merged[table] = entries
    return merged


def _forget(entries: dict, path: str, supplied: Mapping) -> None:
    """Drop the base's entries that would cover ``path``; an entry on an enclosing field is
    pushed down to the facts it still covers."""
    for key in list(entries):
        if key in supplied:
            continue
        if key == path or key.startswith(path + "."):
            del entries[key]
        elif path.startswith(key + "."):
            value = entries.pop(key)
            for fact_path in FACT_PATHS:
                inside = fact_path.startswith(key + ".")
                if inside and fact_path != path and fact_path not in entries:
                    entries[fact_path] = value


# -- versions ------------------------------------------------------------------------------
def parse_version(text: str) -> tuple[int, ...] | None:
    match = _VERSION_RE.match(str(text))
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def _compare(left: tuple[int, ...], right: tuple[int, ...]) -> int:
    width = max(len(left), len(right))
    a = left + (0,) * (width - len(left))
    b = right + (0,) * (width - len(right))
    return (a > b) - (a < b)


def version_matches(spec: str, version: tuple[int, ...]) -> bool:
    """Whether ``version`` satisfies every clause of ``spec`` (">=7.4,<8.0")."""
    for clause in spec.split(","):
        match = _CLAUSE_RE.match(clause)
        if not match:
            raise ValueError(f"bad version range {spec!r}")
        op, bound = match.group(1), tuple(int(p) for p in match.group(2).split("."))
        cmp = _compare(version, bound)
        ok = {">=": cmp >= 0, "<=": cmp <= 0, ">": cmp > 0, "<": cmp < 0, "==": cmp == 0, "!=": cmp != 0}[op]
        if not ok:
            return False
    return True


# -- built-in profiles ---------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def builtin_ids() -> tuple[str, ...]:
    return tuple(sorted(name[:-5] for name in os.listdir(BUILTIN_DIR) if name.endswith(".json")))


@functools.lru_cache(maxsize=1)
def transport_ids() -> tuple[str, ...]:
    """Kinds for transports that are not brokers (websocket, http-stream)."""
    return tuple(sorted(name[:-5] for name in os.listdir(TRANSPORT_DIR) if name.endswith(".json")))


@functools.lru_cache(maxsize=None)
def _builtin_base(kind: str) -> Profile:
    folder = TRANSPORT_DIR if kind in transport_ids() and kind not in builtin_ids() else BUILTIN_DIR
    path = os.path.join(folder, kind + ".json")
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return Profile(data["id"], data["name"], data["description"], data["model"], data, None, (path,))


@functools.lru_cache(maxsize=None)
def load_builtin(kind: str, version: str | None = None) -> Profile:
    """A built-in profile, with the overrides for ``version`` applied; KeyError if unknown."""
    if kind not in builtin_ids():
        raise KeyError(kind)
    return _builtin_base(kind).at_version(version)


# -- user profiles -------------------------------------------------------------------------
def _json_pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


@functools.lru_cache(maxsize=1)
def _validators():
    """(full-profile validator, partial-profile validator for version overrides)."""
    import jsonschema

    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        schema = json.load(handle)
    partial = _without_required(schema)
    partial["properties"].pop("versions", None)
    cls = jsonschema.Draft202012Validator
    return cls(schema), cls(partial)


def _without_required(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_required(value) for key, value in node.items() if key != "required"}
    if isinstance(node, list):
        return [_without_required(value) for value in node]
    return node


#: Schema problems named one by one in an E003 message; the rest are counted.
_PROBLEMS_SHOWN = 3
_YAML_BOOLEAN_HINT = ('quote "yes" and "no" in YAML (`support: "yes"`): bare, YAML 1.1 reads them as '
                      "the booleans true and false")


def validate_profile_data(data: Any, path: str) -> None:
    """Raise ProfileError naming the JSON pointer of every schema violation (the first few,
    each at its most specific cause, and a count of the rest)."""
    import jsonschema

    full, partial = _validators()
    problems = [(error, "") for error in full.iter_errors(data)]
    if not problems and isinstance(data, Mapping):
        for spec, override in data.get("versions", {}).items():
            prefix = _json_pointer(["versions", spec])
            problems += [(error, prefix) for error in partial.iter_errors(override)]
    if not problems:
        return
    problems.sort(key=lambda item: (item[1], list(map(str, item[0].absolute_path)), item[0].message))
    named = []
    for error, prefix in problems:
        best = jsonschema.exceptions.best_match([error]) or error
        named.append((prefix + _json_pointer(best.absolute_path), best.message, best.instance))
    shown = named[:_PROBLEMS_SHOWN]
    rest = len(named) - len(shown)
    (pointer, message, _), more = shown[0], tuple((p, m) for p, m, _ in shown[1:])
    if rest:
        more += ((None, f"and {rest} more problem{'s' if rest > 1 else ''}"),)
    hint = _YAML_BOOLEAN_HINT if any(isinstance(instance, bool) for _, _, instance in named) else ""
    raise ProfileError(path, pointer, message, more=more, hint=hint)


def _read_document(path: str) -> Any:
    from msgarch.fsread import MAX_PROFILE_BYTES, read_bytes

    try:
        text = read_bytes(path, MAX_PROFILE_BYTES).decode("utf-8")
    except OSError as exc:
        raise ProfileError(path, "", f"cannot read the profile: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ProfileError(path, "", f"cannot read the profile: it is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        if path.lower().endswith(".json"):
            try:
                document = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ProfileError(path, "", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        else:
            document = _load_yaml(text, path)
    except RecursionError:
        raise ProfileError(path, "", f"the profile is nested more than {MAX_DEPTH} levels deep") from None
    _check_document(document, path)
    return document


#: How deep a profile may nest (the schema needs 4 levels; the validator recurses per level).
MAX_DEPTH = 32


def _load_yaml(text: str, path: str) -> Any:
    """YAML without aliases: a 353-byte alias bomb expands to gigabytes (and the schema
    validator renders the expanded data into its messages)."""
    import yaml

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, f"an alias (*{event.anchor}) is not allowed in a profile; write the value out",
                    event.start_mark)
            return super().compose_node(parent, index)

    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ProfileError(path, "", f"invalid YAML{where}: {problem}") from None


def _check_document(document: Any, path: str) -> None:
    """Bounded depth, and no text a terminal would obey (escape sequences, bidi overrides)
    or no encoder accepts (lone surrogates). Iterative: depth is what is being checked."""
    from msgarch.textsafe import UNSAFE_IN_PROFILE, describe

    stack: list[tuple[Any, tuple, int]] = [(document, (), 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ProfileError(path, _json_pointer(where[:MAX_DEPTH]),
                               f"the profile is nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, Mapping):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            items = []
            if isinstance(node, str) and (found := UNSAFE_IN_PROFILE.search(node)):
                raise ProfileError(path, _json_pointer(where),
                                   f"the text contains the control character {describe(found.group())}; "
                                   "profile text may not contain control, bidirectional-override or "
                                   "surrogate characters")
        for key, value in items:
            if isinstance(key, str) and (found := UNSAFE_IN_PROFILE.search(key)):
                raise ProfileError(path, _json_pointer(where), f"a key contains the control character "
                                   f"{describe(found.group())}")
            stack.append((value, (*where, key), depth + 1))


def load_profile_file(path: str, base: Profile | None = None) -> Profile:
    """A user profile from JSON or YAML; with ``base``, the file's fields override it (``id`` may be left out)."""
    document = _read_document(path)
    if document is None:
        document = {}
    if not isinstance(document, Mapping):
        raise ProfileError(path, "", f"a profile must be a mapping of fields, not {type(document).__name__}")
    data = overlay(base.data, document) if base is not None else dict(document)
    validate_profile_data(data, path)
    origin = (base.origin if base is not None else ()) + (path,)
    profile = Profile(data["id"], data["name"], data["description"], data["model"], data, None, origin)
    return profile


def _user_profile_index(profile_dirs: tuple[str, ...]) -> dict[str, str]:
    """id -> file for every profile file in the configured directories (first directory wins).

    Read afresh on every call: the directories hold a handful of files and may change
    between runs of a long-lived process (an editor integration).
    """
    index: dict[str, str] = {}
    for directory in profile_dirs:
        if not os.path.isdir(directory):
            raise ProfileError(directory, "", "the profiles directory does not exist")
        for name in sorted(os.listdir(directory)):
            if not name.lower().endswith(USER_PROFILE_SUFFIXES):
                continue
            path = os.path.join(directory, name)
            document = _read_document(path)
            if not isinstance(document, Mapping):
                raise ProfileError(path, "", "a profile must be a mapping of fields")
            profile_id = document.get("id")
            if not isinstance(profile_id, str) or not profile_id:
                raise ProfileError(path, "/id", "a profile in a profiles directory must name its id (the broker kind it defines)")
            index.setdefault(profile_id, path)
    return index


def user_profile_ids(profile_dirs: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Ids of the profiles defined in the configured directories."""
    return tuple(sorted(_user_profile_index(tuple(profile_dirs))))


def resolve_profile(broker: Any, profile_dirs: tuple[str, ...] = ()) -> Profile:
    """The profile for a declared broker: built-in kind, directory overrides, `profile` file, then `version`."""
    try:
        return _resolve(broker, tuple(profile_dirs))
    except ProfileError as error:
        if error.span is None:
            error.span = broker.prop_spans.get("profile") or broker.kind_span or broker.span
        raise


def _resolve(broker: Any, profile_dirs: tuple[str, ...]) -> Profile:
    kind = broker.kind
    source_file = broker.span.path
    user_files = _user_profile_index(profile_dirs) if profile_dirs else {}
    profile: Profile | None = None
    if kind != "custom":
        builtin = load_builtin(kind) if kind in builtin_ids() else (
            _builtin_base(kind) if kind in transport_ids() else None)
        if kind in user_files:
            profile = load_profile_file(user_files[kind], base=builtin)
        elif builtin is not None:
            profile = builtin
        else:
            known = sorted(set(builtin_ids()) | set(transport_ids()) | set(user_files))
            import difflib  # only on the error path: keeps start-up light
            close = difflib.get_close_matches(kind, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UnknownKindError(source_file, "", f"broker {broker.name!r}: unknown kind {kind!r}{hint} (built-in kinds, a profile id from the profiles directories, or custom)")
    if broker.profile_path:
        path = os.path.join(os.path.dirname(source_file), broker.profile_path)
        profile = load_profile_file(path, base=profile)
    if profile is None:
        raise ProfileError(source_file, "", f"broker {broker.name!r} of kind custom needs a `profile \"file\"` property")
    versioned = profile.at_version(broker.version)
    if broker.version is not None and not _is_builtin_only(profile):
        validate_profile_data(versioned.data, versioned.origin[-1])
    return versioned


def _is_builtin_only(profile: Profile) -> bool:
    return all(os.path.dirname(path) in (BUILTIN_DIR, TRANSPORT_DIR) for path in profile.origin)


# -- one-line summaries (shared by Fact.cite and the renderers) ----------------------------
from msgarch.analysis.figures import human_bytes, human_seconds  # noqa: E402,F401 - one module writes figures


def summarize(path: str, value: Any) -> str:
    if not isinstance(value, Mapping):
        return str(value)
    leaf = path.rsplit(".", 1)[-1]
    support = value.get("support")
    if leaf == "delivery":
        text = value["guarantee"]
        return text + (" (under a condition)" if support == "partial" else "")
    if leaf == "priority":
        if support == "no":
            return "no"
        levels = value.get("levels")
        return f"{support}, {'any number of' if levels is None else levels} levels"
    if leaf == "delay":
        limit = value.get("max-seconds")
        if support == "no" or limit is None:
            return support
        return f"{support}, up to {human_seconds(limit)}"
    if leaf == "ordering":
        text = f"{support}, {value['scope']}"
        keeps = value.get("keeps-with") or []
        return text + (f", kept with {' or '.join(keeps)}" if keeps else "")
    if leaf == "max-message":
        text = f"default {human_bytes(value.get('default'))}"
        if value.get("hard-limit") is not None:
            text += f", hard limit {human_bytes(value['hard-limit'])}"
        return text + f" ({value.get('config')})"
    if leaf == "latency":
        return f"p50 {human_seconds(value['p50'])}, p99 {human_seconds(value['p99'])} (estimate)"
    if leaf == "throughput":
        per_node = value.get("per-node")
        return "no published figure" if per_node is None else f"{per_node:,.0f} msg/s per node"
    if leaf == "licence":
        return f"{value['category']} ({value['name']})"
    if support is not None:
        if leaf == "queue" and value.get("partitioned"):
            return f"{support} (partitioned)"
        return support
    return json.dumps(value, sort_keys=True)
