"""Refuse a ``params.yaml`` that DVC must not read: one with YAML anchors or aliases.

    python scripts/params_guard.py [params.yaml]     # `make repro` and `make check` run it first

An alias repeats a node wherever it is named, and nesting them multiplies: a file of a few KiB
("a billion laughs") expands to gigabytes in whatever loads it, DVC's own params reading
included, which runs before any stage of ours. This reads the file as a stream of YAML events,
which never expands an alias, and stops at the first anchor or alias, naming its line. The
pipeline's params need neither: write each value out.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def anchors_and_aliases(text: str) -> list[tuple[int, str]]:
    """``(line, "&name" or "*name")`` of every anchor and alias of ``text``, in order; reading stops at
    the first YAML error, which :func:`main` reports."""
    found = []
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            found.append((event.start_mark.line + 1, f"*{event.anchor}"))
        elif getattr(event, "anchor", None):
            found.append((event.start_mark.line + 1, f"&{event.anchor}"))
    return found


def main(argv: list[str] | None = None) -> int:
    path = Path((argv if argv is not None else sys.argv[1:] or ["params.yaml"])[0])
    try:
        found = anchors_and_aliases(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        print(f"{path}: cannot be read as YAML: {str(err).splitlines()[0] if str(err) else type(err).__name__}",
              file=sys.stderr)
        return 2
    if found:
        line, name = found[0]
        print(f"{path}: line {line}: YAML anchor or alias {name!r}: refused before DVC reads the file (nested "
              f"aliases expand without bound); write the value out ({len(found)} anchor(s) or alias(es) in all)",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
