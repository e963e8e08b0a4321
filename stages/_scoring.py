"""What the cluster and evaluate stages share: their arguments, the latents files among them.

The latents are declared, one ``--latents FILE`` per model (repeated), so that a stage reads
exactly the representations ``dvc.yaml`` names and DVC tracks each file.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path


def scoring_args(description: str, *paths: str) -> argparse.Namespace:
    """Parse ``--<name> PATH`` for each of ``paths`` (required) and ``--latents FILE``, given one
    or more times (``args.latents``: the list of files); set up logging."""
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--latents", type=Path, action="append", required=True,
                        help="a model's latents file; once per model")
    for name in paths:
        parser.add_argument(f"--{name}", type=Path, required=True)
    return parser.parse_args()
