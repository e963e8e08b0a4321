"""encode_joint@<dataset>-<model>: posterior means per chunk and per track (the mean of its chunks)
under each seed's joint model, twice: from every modality a chunk has (`<model>.parquet`) and with
the lyrics withheld (`<model>_audio.parquet`), each with a `seed` column."""

import logging

from musiclust.compute import ComputeParams
from musiclust.io import write_vectors
from musiclust.joint import encode_each_seed, joint_rows, load_joint
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
    models = {seed: load_joint(path) for seed, path in model_files(args.model).items()}
    encoded = encode_each_seed(models, features, rows, device=device)
    for withhold, out in ((False, args.out), (True, args.audio_out)):
        keys, vectors = encoded[withhold]
        write_vectors(keys, vectors, "z", out)
        log.info("%s: %d seeds, dimension %d%s", out, len(models), vectors.shape[1],
                 " (lyrics withheld)" if withhold else "")


if __name__ == "__main__":
    run(main)
