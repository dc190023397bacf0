"""The library entry points the command line calls: load models, check them, lint them."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field

from msgarch.diagnostics import Diagnostic, InputError, Span, input_error
from msgarch.fsread import leaves
from msgarch.lint.config import Config
from msgarch.model.loader import STDIN_PATH, load_model, read_root_file
from msgarch.model.model import Model
from msgarch.output.report import Report


def expand_paths(arguments: list[str] | tuple[str, ...]) -> list[str]:
    """Files as given; a directory means every `.msgarch` file under it (sorted)."""
    return walk_paths(arguments)[0]


def walk_paths(arguments) -> tuple[list[str], list[Diagnostic], set[str]]:
    """(files to load, problems met on the way, the files found by walking a directory).

    A file found by walking must be a regular file whose symbolic links, if any, stay
    inside the directory walked; a directory that cannot be listed is a problem (E002),
    never a silent gap. A file named on the command line that is a symbolic link must
    resolve inside the directory it is in (a shell glob in CI would otherwise print
    whatever secret a committed link points to).
    """
    paths: list[str] = []
    problems: list[Diagnostic] = []
    walked: set[str] = set()
    for argument in arguments:
        if argument != STDIN_PATH and os.path.isdir(argument):
            found = []

            def unlistable(error: OSError, argument=argument) -> None:
                where = error.filename or argument
                problems.append(input_error(
                    "E002", f"cannot list the directory '{where}': {error.strerror or error}; "
                    "its .msgarch files were not checked", Span.point(where),
                    "make it readable, or pass the directories to check explicitly"))

            for folder, subfolders, names in os.walk(argument, onerror=unlistable):
                subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
                found.extend(os.path.join(folder, n) for n in names if n.endswith(".msgarch"))
            for path in sorted(os.path.normpath(p) for p in found):
                if os.path.islink(path) and leaves(path, argument):
                    problems.append(input_error(
                        "E001", f"'{path}' is a symbolic link leading outside '{argument}'; it is not read",
                        Span.point(path), "commit the file itself, or point the link inside the tree"))
                    continue
                paths.append(path)
                walked.add(path)
        else:
            if argument != STDIN_PATH and _link_escapes(argument):
                problems.append(input_error(
                    "E001", f"'{argument}' is a symbolic link leading outside its directory; it is not read",
                    Span.point(argument), "name the file it points to, if that is what you mean"))
                continue
            paths.append(argument)
    unique = list(dict.fromkeys(paths))
    return unique, problems, walked


def _link_escapes(path: str) -> bool:
    """A symbolic link (committed by anyone) that leads out of the directory it is in."""
    return os.path.islink(path) and leaves(path, os.path.dirname(path) or ".")


@dataclass
class Loaded:
    """The models of a run (one per root file) and the problems that stopped others."""

    models: list[Model] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def files(self) -> int:
        return len(self.sources)


def load_models(arguments, stdin_text: str | None = None, profile_dirs: tuple[str, ...] = ()) -> Loaded:
    """Load every root file. A file included by another one given is checked as part
    of its includer, not on its own (its names are declared elsewhere)."""
    loaded = Loaded()
    attempts: list[tuple[str, Model | None]] = []
    paths, loaded.problems, walked = walk_paths(arguments)
    for path in paths:
        try:
            model = load_model(path, text=_given_text(path, stdin_text),
                               profile_dirs=tuple(profile_dirs),
                               root_reader=None if path in walked else read_root_file)
        except InputError as exc:
            # a file given and also included by another one reports its errors once
            loaded.problems.extend(d for d in exc.diagnostics if d not in loaded.problems)
            loaded.sources.update(exc.sources)
            attempts.append((path, None))
            continue
        attempts.append((path, model))
    included = {posixpath.normpath(f) for _, m in attempts if m is not None for f in m.files[1:]}
    for path, model in attempts:
        if model is None or (path != STDIN_PATH and posixpath.normpath(path.replace(os.sep, "/")) in included):
            continue
        loaded.models.append(model)
        loaded.sources.update(model.sources)
    if not attempts and not loaded.problems:
        loaded.problems.append(input_error("E001", "no .msgarch files found in the paths given", None))
    return loaded


def _given_text(path: str, stdin_text) -> str | None:
    """The text read from stdin for ``path``: for `-`, or for the name `--stdin-filename`
    gave it (``stdin_text`` is then {name: text})."""
    if isinstance(stdin_text, dict):
        return stdin_text.get(path)
    return stdin_text if path == STDIN_PATH else None


#: The rules `msgarch check` runs: references and names, no analysis.
REFERENCE_RULES = ("S001", "S002", "T703")


def check(arguments, config: Config | None = None, stdin_text: str | None = None) -> Report:
    """Parse and build, then check names and references (S001, S002, T703) only; the
    configuration contributes its `profiles` directories (user-defined kinds)."""
    base = config or Config()
    return lint(arguments, Config(select=REFERENCE_RULES, profiles=base.profiles, path=base.path), stdin_text)


def lint(arguments, config: Config, stdin_text: str | None = None) -> Report:
    """Parse, build, analyse and run every selected rule on every root file."""
    from msgarch.lint.runner import lint_model

    loaded = load_models(arguments, stdin_text, config.profiles)
    diagnostics = list(loaded.problems)
    for model in loaded.models:
        diagnostics.extend(lint_model(model, config))
    return Report(tuple(sorted(diagnostics, key=Diagnostic.sort_key)), loaded.files, loaded.sources)


def profile_lookup(model: Model, profile_dirs: tuple[str, ...] = (), strict_kinds: bool = False):
    """broker name -> its resolved profile, memoised. An unknown kind gives None (S001
    reports it) unless ``strict_kinds``; a profile file that fails its schema, or an
    unknown kind when strict, raises InputError (E003)."""
    from msgarch.brokers import ProfileError, UnknownKindError, resolve_profile

    cache: dict[str, object] = {}

    def profile_of(name: str):
        if name in cache:
            return cache[name]
        broker = model.brokers.get(name)
        try:
            cache[name] = resolve_profile(broker, profile_dirs) if broker is not None else None
        except ProfileError as error:
            if isinstance(error, UnknownKindError) and not strict_kinds:
                cache[name] = None
            else:
                span = broker.prop_spans.get("profile") or broker.kind_span or broker.span
                raise InputError([error.to_diagnostic(error.span or span)], model.sources) from None
        return cache[name]

    return profile_of


@dataclass(frozen=True)
class Analysis:
    """One model with its lint findings and its loads, as render, diff and plan read them."""

    model: Model
    findings: tuple[Diagnostic, ...]
    facts: dict  # broker name -> analysis.brokerfacts.BrokerFacts
    consumers: dict  # component -> analysis.load.ConsumerLoad
    brokers: dict  # broker -> analysis.load.BrokerLoad

    @property
    def capacity_sources(self) -> dict[str, str]:
        return {name: item.capacity_source for name, item in self.facts.items()}

    @property
    def broker_models(self) -> dict[str, str]:
        return {name: item.model for name, item in self.facts.items() if item.model}


def analyse(model: Model, config: Config) -> Analysis:
    """Lint the model and size its consumers and brokers from their profiles.
    Raises InputError (E003) when a broker's profile file is invalid."""
    from msgarch.analysis.brokerfacts import broker_facts, sized_loads
    from msgarch.lint.runner import lint_model

    facts = broker_facts(model, profile_lookup(model, config.profiles))
    return Analysis(model, tuple(lint_model(model, config)), facts, *sized_loads(model, facts))


def load_one(path: str, stdin_text: str | None = None, profile_dirs: tuple[str, ...] = ()) -> Model:
    """The model rooted at one file, for commands that take exactly one (plan, render...)."""
    if path != STDIN_PATH and os.path.isdir(path):
        raise InputError([input_error("E001", f"'{path}' is a directory; this command takes one file",
                                      Span.point(path))])
    if path != STDIN_PATH and _link_escapes(path):
        raise InputError([input_error("E001", f"'{path}' is a symbolic link leading outside its directory; "
                                      "it is not read", Span.point(path))])
    return load_model(path, text=stdin_text if path == STDIN_PATH else None, root_reader=read_root_file,
                      profile_dirs=tuple(profile_dirs))
