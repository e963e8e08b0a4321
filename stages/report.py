"""report: the study's figures (PNG) and report.md with the results tables → plots/<dataset>/."""

import numpy as np
import pandas as pd

from musiclust import plots
from musiclust import report as R
from musiclust.cluster import fuse, select_level
from musiclust.io import atomic_dir, atomic_path, write_csv
from musiclust.metrics import targets_of
from musiclust.models import encoder_from_file
from musiclust.io import read_vectors
from musiclust.params import load_section

from . import dataset_arg
from ._inputs import load_lyrics
from .paths import clusters_file, features_dir, latents_dir, model_file, plots_dir, raw_dir


def main() -> None:
    args = dataset_arg(__doc__).parse_args()
    p = load_section("report")
    spec = load_section("spectrograms")
    ds = args.dataset
    with atomic_dir(plots_dir(ds) / "figures") as figures:
        markdown, confusion = build(ds, p, spec, figures)
    with atomic_path(plots_dir(ds) / "report.md") as tmp:
        tmp.write_text(markdown, encoding="utf-8")
    write_csv(confusion, plots_dir(ds) / "confusion.csv")
    print(f"report: {plots_dir(ds) / 'report.md'}")


def build(ds, p, spec, out):
    """Draw every figure into ``out``; return the Markdown report and the confusion table."""
    tracks = pd.read_parquet(raw_dir(ds) / "tracks.parquet")
    status = pd.read_parquet(features_dir(ds) / "status.parquet")
    scores = pd.read_csv(plots_dir(ds) / "scores.csv")
    assignments = pd.read_parquet(clusters_file(ds))
    targets = targets_of(tracks)
    head = p.headline_model
    order = R.representation_order(scores["representation"], head)
    meta = tracks.set_index("track_id")
    hop, sr = spec.hop_length, spec.sample_rate

    # Losses of every trained model.
    for hist in sorted((plots_dir(ds) / "history").glob("*.csv")):
        history = pd.read_csv(hist)
        if len(history) > 1:
            plots.plot_loss_curves(history, out / f"loss_{hist.stem}.png",
                                   title=f"{hist.stem}: training loss per sample")

    # t-SNE of the headline latent (chunks) and of its fusion with lyrics (tracks).
    rows, z = read_vectors(latents_dir(ds) / f"{head}.parquet", "z")
    keys, zc = select_level(rows, z, "chunk")
    colour = {t: meta.loc[keys["track_id"], t].astype(str).tolist() for t in targets if t in ("language", "genre")}
    coords = plots.tsne_2d(zc, seed=p.tsne_seed, perplexity=p.tsne_perplexity)
    plots.plot_embedding(coords, colour, out / f"tsne_{head}_chunks.png",
                         title=f"t-SNE of {head} posterior means (audio only, one point per chunk)")
    lyric_ids, lyrics = load_lyrics(ds)
    if lyrics is not None:
        tkeys, zt = select_level(rows, z, "track")
        fkeys, fused = fuse(tkeys, zt, lyric_ids, lyrics)
        ft = {t: meta.loc[fkeys["track_id"], t].astype(str).tolist() for t in colour}
        plots.plot_embedding(plots.tsne_2d(fused, seed=p.tsne_seed, perplexity=p.tsne_perplexity), ft,
                             out / f"tsne_{head}+lyrics_tracks.png",
                             title=f"t-SNE of {head} + lyrics (standardised, concatenated; one point per track)")
    plots.plot_latent_correlation(zc, out / f"latent_correlation_{head}.png",
                                  title=f"{head}: |correlation| between latent dimensions")

    # Reconstructions of evenly spaced chunks, and one sample spectrogram with honest axes.
    mels = np.load(features_dir(ds) / "mels.npy", mmap_mode="r")
    chunks = pd.read_parquet(features_dir(ds) / "chunks.parquet")
    picks = np.linspace(0, len(mels) - 1, p.n_reconstructions).round().astype(int)
    model, kind = encoder_from_file(model_file(ds, head))
    if hasattr(model, "reconstruct"):
        import torch

        with torch.no_grad():
            x = torch.from_numpy(np.asarray(mels[picks], dtype=np.float32))
            recon = model.reconstruct(x).numpy()
        captions = [f"{chunks.track_id[i]} @ {chunks.start_s[i]:.0f} s" for i in picks]
        plots.plot_reconstructions(np.asarray(mels[picks], dtype=np.float32), recon,
                                   out / f"reconstructions_{head}.png", sample_rate=sr,
                                   hop_length=hop, title=f"{head}: chunks and reconstructions",
                                   captions=captions)
    plots.plot_spectrogram(np.asarray(mels[0], dtype=np.float32), out / "sample_spectrogram.png",
                           sample_rate=sr, hop_length=hop,
                           title=f"{chunks.track_id[0]}, chunk 0 ({spec.chunk_seconds:g} s from "
                                 f"{chunks.start_s[0]:.1f} s), log-mel")
    plots.plot_class_balance(tracks[tracks["track_id"].isin(status.track_id[status.status == "ok"])],
                             out / "class_balance.png", title="Tracks per genre and language")

    # Confusion matrices (Hungarian-ordered) for KMeans at track level, first seed.
    km = assignments[(assignments.algorithm == "kmeans") & (assignments.level == "track")]
    km = km[km.seed == km.seed.min()]
    confusion = pd.DataFrame(columns=["track_id", "actual", "predicted"])
    pairs = [(f"{head}+lyrics", "language"), (head, "genre"), (f"{head}+lyrics", "language_genre")]
    if lyrics is None:
        pairs = [(head, t) for t in targets]
    for rep, target in pairs:
        if target not in targets:
            continue
        k = targets[target].nunique()
        a = km[(km.representation == rep) & (km.k == k)]
        if a.empty:
            continue
        R.plot_confusion_for(targets[target], a, out / f"confusion_{rep}_{target}.png",
                             title=f"KMeans (k={k}) on {rep}, tracks, vs {target}")
        if confusion.empty:  # DVC's confusion plot: the first pair that exists
            confusion = R.confusion_frame(targets[target], a)

    # Metric bars, track level, against each target.
    for target in targets:
        table = R.metric_bars_table(scores, level="track", target=target, order=order)
        if not table.empty:
            plots.plot_metric_bars(table, out / f"scores_track_{target}.png",
                                   title=f"KMeans on tracks vs {target} (mean ± 95% CI over seeds)")

    # report.md
    tnames = list(targets)
    lines = [f"# Results: {ds}", "",
             f"{int((status.status == 'ok').sum())} tracks used, {int((status.status != 'ok').sum())} skipped; "
             f"{len(chunks)} chunks of {spec.chunk_seconds:g} s.", "",
             "## Track level (mean of chunk latents), KMeans with k = number of classes",
             "Mean ± 95% interval over KMeans seeds.", "",
             R.results_table(scores, algorithm="kmeans", level="track", targets=tnames, representations=order), "",
             "## Chunk level (the study's unit), KMeans", "",
             R.results_table(scores, algorithm="kmeans", level="chunk", targets=tnames, representations=order), "",
             "## Track level, agglomerative (Ward)", "",
             R.results_table(scores, algorithm="agglomerative", level="track", targets=tnames, representations=order), "",
             "## Figures", ""]
    skipped = status[status.status != "ok"]
    if len(skipped):
        lines[4:4] = ["Skipped tracks:", ""] + [f"- `{r.track_id}`: {r.reason}" for r in skipped.itertuples()] + [""]
    lines += [f"![{png.stem}](figures/{png.name})" for png in sorted(out.glob("*.png"))]
    return "\n".join(lines) + "\n", confusion


if __name__ == "__main__":
    main()
