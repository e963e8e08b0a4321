"""evaluate: score every clustering → metrics/<dataset>/<algorithm>.json and a long table for plots."""

import pandas as pd

from musiclust.io import write_csv, write_json
from musiclust.metrics import evaluate_all
from musiclust.train import active_units

from . import dataset_arg
from ._inputs import load_latents, load_representations
from .paths import clusters_file, features_dir, metrics_dir, plots_dir


def main() -> None:
    args = dataset_arg(__doc__).parse_args()
    tracks, targets, reps = load_representations(args.dataset)
    assignments = pd.read_parquet(clusters_file(args.dataset))
    nested, table = evaluate_all(reps, assignments, targets)
    out = metrics_dir(args.dataset)
    for algorithm, scores in nested.items():
        write_json(scores, out / f"{algorithm}.json")
    latent_summary = {}
    for name, (rows, z) in load_latents(args.dataset).items():
        # over chunks where the model sees chunks, over tracks for clip-statistics models
        level = "chunk" if (rows["level"] == "chunk").any() else "track"
        sample = z[(rows["level"] == level).to_numpy()]
        latent_summary[name] = {"dimension": int(z.shape[1]), "active_units": active_units(sample)}
    write_json(latent_summary, out / "latents.json")
    status = pd.read_parquet(features_dir(args.dataset) / "status.parquet")
    skipped = status[status["status"] != "ok"]
    write_json({"tracks_listed": int(len(tracks)), "tracks_used": int(len(status) - len(skipped)),
                "tracks_skipped": int(len(skipped)), "chunks": int(status["n_chunks"].sum())},
               out / "data.json")
    write_csv(table, plots_dir(args.dataset) / "scores.csv")
    print(f"evaluate: {len(table)} scores → {out}")


if __name__ == "__main__":
    main()
