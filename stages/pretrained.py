"""pretrained@<dataset>: the code of a pretrained audio model (the `pretrained` section's kind, fixed:
not trained on the corpus) for every chunk the features stage kept, cut from the same
central crop → a latents table (chunk rows and track means) that the cluster and evaluate stages read
beside the trained models'."""

import logging

import pandas as pd

from musiclust.chunk_audio import AudioChunks, chunk_patches
from musiclust.compute import ComputeParams
from musiclust.io import write_vectors
from musiclust.mel_config import MelConfig
from musiclust.models import KINDS, ModelInputs, embed
from musiclust.train import resolve_device, seed_everything

from . import run, stage_args
from .params import load_entry, load_section

log = logging.getLogger("pretrained")


def main() -> None:
    args = stage_args(__doc__, "raw", "chunks", "out")
    kind, params = load_entry("pretrained", KINDS)
    mel = load_section("spectrograms", MelConfig)
    compute = load_section("compute", ComputeParams)
    seed_everything(0, compute.threads)  # nothing is drawn; the thread count fixes the arithmetic's order
    device = resolve_device(compute.device)
    audio = AudioChunks(pd.read_parquet(args.raw / "tracks.parquet"), args.raw, pd.read_parquet(args.chunks),
                        mel.crop_seconds, mel.chunk_seconds)
    inputs = ModelInputs(audio=chunk_patches(audio), given=frozenset({"audio"}))
    rows, codes = embed(kind, params, inputs, device=device)[""]
    write_vectors(rows, codes, "z", args.out)
    log.info("%s: %d rows of dimension %d → %s", kind, len(rows), codes.shape[1], args.out)


if __name__ == "__main__":
    run(main)
