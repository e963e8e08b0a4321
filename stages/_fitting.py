"""What the training stages share: one model per seed, written as a folder of weights, a folder
of histories and one metrics file (by the main process only, when training is distributed)."""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Callable, Sequence

from tqdm.auto import tqdm

from musiclust.io import atomic_dir, write_csv, write_json
from musiclust.models import Fitted, save_model, seed_file

log = logging.getLogger("train")


def write_seed_models(args: argparse.Namespace, seeds: Sequence[int], is_main: bool,
                      fit_seed: Callable[[int], Fitted]) -> None:
    """Fit one model per seed with ``fit_seed``; on the main process write ``args.out/seed_<n>.pt``,
    ``args.history/seed_<n>.csv`` and ``args.metrics`` (the summaries, keyed ``seed_<n>``)."""
    summaries = {}
    with contextlib.ExitStack() as stack:
        if is_main:
            models = stack.enter_context(atomic_dir(args.out))
            histories = stack.enter_context(atomic_dir(args.history))
        for seed in tqdm(seeds, desc=f"train {args.name}", unit="seed", disable=not is_main):
            fitted = fit_seed(seed)
            if is_main:
                save_model(models / seed_file(seed), fitted)
                write_csv(fitted.history_frame(), histories / f"seed_{seed}.csv")
                summaries[f"seed_{seed}"] = fitted.summary()
                log.info("%s seed %d: %s", args.name, seed, summaries[f"seed_{seed}"])
    if is_main:
        write_json(summaries, args.metrics)
