"""train_joint@<dataset>-<model>: fit one joint beta-VAE (audio and lyrics) per seed → its weights
(a folder, seed_<n>.pt each), per-epoch histories (seed_<n>.csv each) and training metrics per seed.
Chunks of tracks without lyrics train from their audio alone; a corpus without lyrics trains an
audio-only model. `compute.processes` as for train."""

import sys

from musiclust.compute import ComputeParams
from musiclust.config import check
from musiclust.distributed import process_group, relaunch
from musiclust.joint import JOINT_KINDS, fit_joint, joint_rows
from musiclust.representations import read_features, read_lyrics
from musiclust.train import resolve_precision

from . import run, stage_args
from ._fitting import write_seed_models
from .params import build_model, load_section, read_params

SECTION = "joint_models"


def main() -> None:
    args = stage_args(__doc__, "mels", "chunks", "lyrics", "out", "history", "metrics", options=("name",))
    models = read_params().get(SECTION) or {}
    check(args.name in models, f"{SECTION}.{args.name}", f"no such model (have: {', '.join(models)})")
    _, config = build_model(args.name, models[args.name], JOINT_KINDS, SECTION)
    compute = load_section("compute", ComputeParams)
    status = relaunch(compute.processes, "stages.train_joint", sys.argv[1:])
    if status is not None:
        raise SystemExit(status)
    features = read_features(args.mels, chunks=args.chunks)
    rows = joint_rows(features.data, features.keys["track_id"], *read_lyrics(args.lyrics))
    with process_group(compute.device) as (device, distributed, is_main):
        write_seed_models(
            args, config.seeds, is_main,
            lambda seed: fit_joint(config, rows, seed=seed, device=device, threads=compute.threads,
                                   precision=resolve_precision(compute.precision, device), compile=compute.compile,
                                   loader_workers=compute.loader_workers, distributed=distributed,
                                   progress=is_main))


if __name__ == "__main__":
    run(main)
