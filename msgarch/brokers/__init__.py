"""Broker capability profiles: built-in data files with sources, user overrides, and the lookup API."""

from msgarch.brokers.profiles import (
    FACT_PATHS,
    Fact,
    Profile,
    ProfileError,
    UnknownKindError,
    builtin_ids,
    load_builtin,
    load_profile_file,
    resolve_profile,
    user_profile_ids,
)

__all__ = [
    "FACT_PATHS",
    "Fact",
    "Profile",
    "ProfileError",
    "UnknownKindError",
    "builtin_ids",
    "load_builtin",
    "load_profile_file",
    "resolve_profile",
    "user_profile_ids",
]
