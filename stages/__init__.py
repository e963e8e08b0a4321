"""DVC stages: ``python -m stages.<name> --<input> PATH ... --<output> PATH``.

Each reads its params section and the files ``dvc.yaml`` names in its ``cmd``,
makes one call into the library, and writes its declared outputs atomically.
The paths are listed once, in ``dvc.yaml``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Callable

from musiclust.config import InputError

# The input files a model stage may be given (``--mels PATH`` ...), as
# :func:`musiclust.models.read_inputs` names them; ``tracks`` holds the lyric texts, ``split`` the
# held-out songs.
INPUT_FILES = ("mels", "chunks", "clipstats", "lyrics", "tracks", "split")


def input_files(args: argparse.Namespace) -> dict:
    """The input files among ``args``, by name (None where not given)."""
    return {name: getattr(args, name) for name in INPUT_FILES}


def run(main: Callable[[], None]) -> None:
    """Run a stage's ``main``; bad input (a file, an archive, a download, a setting) ends the
    stage with one line naming the problem and exit status 1, not a traceback."""
    try:
        main()
    except InputError as exc:
        raise SystemExit(f"error: {exc}") from None


def stage_args(description: str, *paths: str, options: tuple[str, ...] = (),
               optional: tuple[str, ...] = (), repeated: tuple[str, ...] = ()) -> argparse.Namespace:
    """Parse ``--<name> PATH`` for each of ``paths`` and ``--<name> VALUE`` for each of ``options``
    (all required) and ``--<name> PATH`` for each of ``optional`` (default None); set up logging."""
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=description)
    for name in options:
        parser.add_argument(f"--{name}", required=True)
    for name in paths:
        parser.add_argument(f"--{name}", type=Path, required=True)
    for name in optional:
        parser.add_argument(f"--{name}", type=Path, default=None)
    for name in repeated:  # given once or more: the list of paths
        parser.add_argument(f"--{name}", type=Path, action="append", required=True)
    return parser.parse_args()
