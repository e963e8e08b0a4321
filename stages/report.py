"""report@<dataset>: the study's figures (PNG), report.md with the results tables, the
confusion table of DVC's confusion plot, and the headline metrics of `dvc exp show`."""

import logging

from musiclust.cluster import ClusterParams
from musiclust.io import atomic_dir, atomic_path, write_csv, write_json
from musiclust.mel_config import MelConfig
from musiclust.report import ReportInputs, ReportParams, build_report

from . import run, stage_args
from .params import load_section

log = logging.getLogger("report")
INPUTS = ("tracks", "status", "chunks", "mels", "lyrics", "scores", "scores_in_sample", "assignments", "histories",
          "latents", "reconstructions", "disentanglement", "claims", "probes", "ksweep", "latent_summary", "joint_latents")


def main() -> None:
    args = stage_args(__doc__, *INPUTS, "figures", "markdown", "confusion", "headline", options=("dataset",))
    inputs = ReportInputs(**{name: getattr(args, name) for name in INPUTS})
    with atomic_dir(args.figures) as figures:
        report = build_report(inputs, load_section("report", ReportParams), load_section("spectrograms", MelConfig),
                              figures, dataset=args.dataset,
                              track_pooling=load_section("cluster", ClusterParams).track_pooling)
    with atomic_path(args.markdown) as tmp:
        tmp.write_text(report.markdown, encoding="utf-8")
    write_csv(report.confusion, args.confusion)
    write_json(report.headline, args.headline)
    log.info("%s", args.markdown)


if __name__ == "__main__":
    run(main)
