"""report@<dataset>: the study's figures (PNG), report.md with the results tables, and the
confusion table of DVC's confusion plot."""

import logging

from musiclust.io import atomic_dir, atomic_path, write_csv
from musiclust.audio import MelConfig
from musiclust.report import ReportInputs, ReportParams, build_report

from . import stage_args
from .params import load_section

log = logging.getLogger("report")
INPUTS = ("tracks", "status", "chunks", "mels", "lyrics", "scores", "assignments", "histories", "latents", "model")


def main() -> None:
    args = stage_args(__doc__, *INPUTS, "figures", "markdown", "confusion", options=("dataset",))
    inputs = ReportInputs(**{name: getattr(args, name) for name in INPUTS})
    with atomic_dir(args.figures) as figures:
        markdown, confusion = build_report(inputs, load_section("report", ReportParams),
                                           load_section("spectrograms", MelConfig),
                                           figures, dataset=args.dataset)
    with atomic_path(args.markdown) as tmp:
        tmp.write_text(markdown, encoding="utf-8")
    write_csv(confusion, args.confusion)
    log.info("%s", args.markdown)


if __name__ == "__main__":
    main()
