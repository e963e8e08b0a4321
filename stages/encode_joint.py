"""encode_joint@<dataset>-<model>: posterior means per chunk and per track (the mean of its chunks)
under each seed's joint model, twice: from every modality a chunk has (`<model>.parquet`) and with
the lyrics withheld (`<model>_audio.parquet`), each with a `seed` column."""

import logging

import numpy as np
import pandas as pd

from musiclust.compute import ComputeParams
from musiclust.encode import latent_table
from musiclust.io import write_vectors
from musiclust.joint import encode_joint, joint_rows, load_joint
from musiclust.models import model_files
from musiclust.representations import read_features, read_lyrics
from musiclust.train import resolve_device, seed_everything

from . import run, stage_args
from .params import load_section

log = logging.getLogger("encode_joint")


def main() -> None:
    args = stage_args(__doc__, "model", "mels", "chunks", "lyrics", "out", "audio_out")
    compute = load_section("compute", ComputeParams)
    seed_everything(0, compute.threads)
    device = resolve_device(compute.device)
    features = read_features(args.mels, chunks=args.chunks)
    rows = joint_rows(features.data, features.keys["track_id"], *read_lyrics(args.lyrics))
    for withhold, out in ((False, args.out), (True, args.audio_out)):
        frames, blocks = [], []
        for seed, path in model_files(args.model).items():
            keys, vectors = latent_table(features, encode_joint(load_joint(path), rows, withhold_lyrics=withhold,
                                                                device=device))
            frames.append(keys.assign(seed=np.int32(seed)))
            blocks.append(vectors)
        write_vectors(pd.concat(frames, ignore_index=True), np.concatenate(blocks), "z", out)
        log.info("%s: %d seeds, dimension %d%s", out, len(blocks), blocks[0].shape[1],
                 " (lyrics withheld)" if withhold else "")


if __name__ == "__main__":
    run(main)
