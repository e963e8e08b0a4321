"""``params.yaml``: read, checked and turned into the library's typed settings.

A wrong key or value fails at once with :class:`ParamsError`, naming the key
(``models.conv_bvae.beta: must be >= 0``). Each stage names the settings type
it wants, so a stage depends on the library modules it uses and no others.
"""

from __future__ import annotations

import dataclasses
import math
import os
import typing
from pathlib import Path
from typing import Any, Literal

import yaml

from musiclust.config import ConfigError, check

ParamsError = ConfigError
PARAMS = Path("params.yaml")
# The sections of trained models, by the inputs their kinds read (each its own train@/encode@
# stage family in dvc.yaml, whose deps are those inputs); a model name is unique across them.
MODEL_SECTIONS = {"models": ("mels",), "stats_models": ("clipstats",), "joint_models": ("mels", "lyrics")}
ENVIRONMENT_PREFIX = "MUSICLUST_"  # knobs that change no output: environment variables, not params


def _coerce(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return build(tp, value, key)
    if origin is Literal:
        choices = typing.get_args(tp)
        check(value in choices, key, f"{value!r} is not one of {list(choices)}")
        return value
    if origin is list:
        check(isinstance(value, list), key, f"expected a list, got {value!r}")
        (item_tp,) = typing.get_args(tp)
        return [_coerce(v, item_tp, f"{key}[{i}]") for i, v in enumerate(value)]
    if tp is bool:
        check(isinstance(value, bool), key, f"expected true or false, got {value!r}")
        return value
    if tp is int:
        check(isinstance(value, int) and not isinstance(value, bool), key, f"expected an integer, got {value!r}")
        return value
    if tp is float:
        check(isinstance(value, (int, float)) and not isinstance(value, bool), key,
              f"expected a number, got {value!r}")
        check(math.isfinite(value), key, f"must be a finite number, got {value!r}")
        return float(value)
    if tp is str:
        check(isinstance(value, str), key, f"expected a string, got {value!r}")
        return value
    raise TypeError(f"unsupported parameter type {tp!r} for {key}")


def build(cls: type, data: Any, key: str):
    """Build dataclass ``cls`` from a mapping, naming ``key`` in any error, and validate it."""
    if data is None:
        data = {}
    check(isinstance(data, dict), key, f"expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    check(not unknown, f"{key}.{unknown[0]}" if unknown else key, f"unknown key (known: {', '.join(sorted(names))})")
    obj = cls(**{name: _coerce(v, hints[name], f"{key}.{name}") for name, v in data.items()})
    if hasattr(obj, "validate"):
        obj.validate(key)
    return obj


def build_model(name: str, data: Any, kinds: dict, section: str = "models"):
    """``(kind, settings)`` of model ``name`` (``<section>.<name>``), dispatched on ``kind``.

    ``kinds`` is the model registry (``musiclust.models.KINDS``): kind -> entry with a ``config`` type.
    """
    key = f"{section}.{name}"
    kind, settings = _entry(key, data, kinds)
    wanted, inputs = MODEL_SECTIONS.get(section), tuple(kinds[kind].inputs)
    if wanted is not None:
        fits = [other for other, needs in MODEL_SECTIONS.items() if needs == inputs]
        check(inputs == wanted, f"{key}.kind", f"a {kind} reads {', '.join(inputs)}, not {', '.join(wanted)}: "
              + (f"put it under {fits[0]}" if fits else "no models section serves it"))
    return kind, settings


def read_params(path: str | Path = PARAMS) -> dict:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParamsError(f"params: {path} not found") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"params: {path} is not valid YAML: {exc}") from None
    check(isinstance(data, dict), str(path), "must be a mapping of sections")
    _cross_check(data)
    return data


# Keys whose values name entries of a section: (section, key, the section named). A list value
# names one entry per item.
REFERENCES = (("report", "headline_model", "models"), ("report", "joint_model", "joint_models"),
              ("report", "joint_baselines", "models"), (None, "run", "datasets"))


def _cross_check(data: dict) -> None:
    """Keys that name other keys must name existing ones. Every stage reads the file through
    here, so such a mistake stops the first stage that runs, not the last."""
    for section, key, named in REFERENCES:
        holder = data if section is None else data.get(section)
        entries = data.get(named) or {}
        if not isinstance(holder, dict) or holder.get(key) is None or not isinstance(entries, dict):
            continue
        value, where = holder[key], key if section is None else f"{section}.{key}"
        for i, name in (enumerate(value) if isinstance(value, list) else [(None, value)]):
            check(isinstance(name, str) and name in entries, where if i is None else f"{where}[{i}]",
                  f"{name!r} is not a key of {named} (have: {', '.join(map(str, entries))})")


def load_section(name: str, cls: type, path: str | Path = PARAMS):
    """Top-level section ``name`` as a validated ``cls``."""
    data = read_params(path)
    check(name in data, name, f"section missing from {path}")
    return build(cls, data[name], name)


def load_models(kinds: dict, path: str | Path = PARAMS, section: str = "models") -> dict:
    """``{name: (kind, settings)}`` for every entry of a models section."""
    models = read_params(path).get(section)
    check(isinstance(models, dict) and bool(models), section, "must map model names to params")
    return {name: build_model(name, entry, kinds, section) for name, entry in models.items()}


def load_model(name: str, kinds: dict, path: str | Path = PARAMS, section: str = "models"):
    """``(kind, settings)`` of one model; a name must be unique across the models sections."""
    data = read_params(path)
    check(section in MODEL_SECTIONS, section, f"not a models section {list(MODEL_SECTIONS)}")
    models = data.get(section) or {}
    check(name in models, f"{section}.{name}", f"no such model (have: {', '.join(models)})")
    other = [s for s in MODEL_SECTIONS if s != section and name in (data.get(s) or {})]
    check(not other, f"{section}.{name}", f"the name is also used in {other[0] if other else ''}: names must be unique")
    return build_model(name, models[name], kinds, section)


def load_dataset(name: str, cls: type, path: str | Path = PARAMS):
    """The entry ``datasets.<name>`` as a validated ``cls`` (``musiclust.datasets.DatasetParams``)."""
    datasets = read_params(path).get("datasets") or {}
    check(name in datasets, f"datasets.{name}", f"no such dataset (have: {', '.join(datasets)})")
    check(name.replace("_", "").replace("-", "").isalnum(), f"datasets.{name}",
          "dataset names are plain names (letters, digits, _ and -)")
    return build(cls, datasets[name], f"datasets.{name}")


def load_run(path: str | Path = PARAMS) -> list[str]:
    """The ``run`` list: the datasets the pipeline runs on, each a key of ``datasets``."""
    data = read_params(path)
    run = data.get("run")
    check(isinstance(run, list) and bool(run) and all(isinstance(r, str) for r in run), "run",
          "must be a non-empty list of dataset names")
    for i, name in enumerate(run):
        check(name in (data.get("datasets") or {}), f"run[{i}]", f"{name!r} is not a key of datasets")
    return run


def load_entry(section: str, kinds: dict, path: str | Path = PARAMS):
    """``(kind, settings)`` of a top-level section that is one registry entry (``lyrics``)."""
    data = read_params(path)
    check(section in data, section, f"section missing from {path}")
    return _entry(section, data[section], kinds)


def _entry(key: str, data: Any, kinds: dict):
    """``(kind, settings)`` of the registry entry at ``key``, dispatched on its ``kind``."""
    check(isinstance(data, dict) and "kind" in data, f"{key}.kind", f"missing; one of {sorted(kinds)}")
    kind = data["kind"]
    check(kind in kinds, f"{key}.kind", f"{kind!r} is not one of {sorted(kinds)}")
    return kind, build(kinds[kind].config, {k: v for k, v in data.items() if k != "kind"}, key)


def load_environment(cls: type, environ=None):
    """``cls`` (a settings dataclass of ints and strings) from ``MUSICLUST_<FIELD>`` environment
    variables, defaults where unset; a bad value names its variable."""
    environ = os.environ if environ is None else environ
    values = {}
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        variable = f"{ENVIRONMENT_PREFIX}{field.name.upper()}"
        if variable not in environ:
            continue
        raw = environ[variable].strip()
        if hints[field.name] is int:
            check(raw.lstrip("-").isdigit(), variable, f"expected an integer, got {raw!r}")
            values[field.name] = int(raw)
        else:
            values[field.name] = raw
    obj = cls(**values)
    obj.validate(ENVIRONMENT_PREFIX)
    return obj
