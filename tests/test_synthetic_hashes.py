"""The synthetic corpora are reproducible to the byte: small corpora of both layouts against recorded hashes.

``tests/data/synthetic_hashes.json`` holds, for every configuration, the
arguments of the generator and the sha256 of every file it wrote.  A change
that moves any random draw, or any floating-point operation of the renderer,
changes the hashes.
"""

import hashlib
import json
from pathlib import Path

import pytest

from musiclust.datasets.synthetic import generate_corpus, generate_gtzan_corpus

RECORDED = json.loads((Path(__file__).parent / "data" / "synthetic_hashes.json").read_text())["configs"]
GENERATORS = {"hblm": generate_corpus, "gtzan": generate_gtzan_corpus}


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("config", RECORDED, ids=[c["name"] for c in RECORDED])
def test_corpus_matches_recorded_hashes(tmp_path, config):
    GENERATORS[config["layout"]](tmp_path, progress=False, **config["args"])
    digests = _digests(tmp_path)
    assert set(digests) == set(config["files"])
    differing = sorted(rel for rel, digest in config["files"].items() if digests[rel] != digest)
    assert differing == []
