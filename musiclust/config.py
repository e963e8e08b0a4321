"""The error every settings type raises when it validates itself.

Each step's settings are a frozen dataclass beside the code that uses them
(``audio.MelConfig``, ``cluster.ClusterParams``, each model's config in its
model file ...). The library takes these objects or plain values; building them
from a configuration file is the caller's business. ``validate(key)`` raises
:class:`ConfigError` naming ``key.<field>`` for a bad value.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input from outside the program (a file, an archive, a download, a setting): the
    message names the file, line or key. Callers report it in one line, not as a crash."""


class ConfigError(InputError, ValueError):
    """A parameter is missing, unknown, or has a bad value; the message names it."""


def check(cond: bool, key: str, message: str) -> None:
    """Raise :class:`ConfigError` naming ``key`` unless ``cond`` holds."""
    if not cond:
        raise ConfigError(f"params: {key}: {message}")


SEED_LIMIT = 2**32  # numpy, torch and sklearn all accept seeds in [0, 2**32)


def check_seed(value: int, key: str) -> None:
    """A seed every library accepts."""
    check(0 <= value < SEED_LIMIT, key, f"must be in [0, 2**32), got {value}")


def check_seeds(values, key: str) -> None:
    """A non-empty list of distinct seeds (one model is trained per seed)."""
    check(len(values) >= 1, key, "needs at least one seed")
    for i, value in enumerate(values):
        check_seed(value, f"{key}[{i}]")
    check(len(set(values)) == len(values), key, f"seeds must be distinct, got {list(values)}")
