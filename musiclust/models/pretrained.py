"""A pretrained audio model as a representation kind: musicnn's code (:mod:`musiclust.musicnn`) of
every chunk the features stage kept, from its own input patches (:func:`musiclust.chunk_audio.chunk_patches`).

Not trained on the corpus: one code per chunk, no training seeds, like the lyric embedding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from ..encode import latent_table
from ..musicnn import MusicnnConfig, load_musicnn  # noqa: F401 (MusicnnConfig: the registry's settings)
from ..representations import Features


def embed_musicnn(config: MusicnnConfig, patches: Features, device: torch.device | None,
                  progress: bool = True) -> tuple[pd.DataFrame, np.ndarray]:
    """musicnn's ``config.layer`` for every chunk's patch (``patches``: keys and (N, 187, 96)), and each
    track's mean, as a latents table (:func:`musiclust.encode.latent_table`)."""
    net = load_musicnn(config.model, device or torch.device("cpu"))
    data = patches.data
    codes = np.concatenate([net.encode(data[start:start + config.batch_size], config.layer, config.batch_size)
                            for start in tqdm(range(0, len(data), config.batch_size), desc="musicnn",
                                              unit="batch", disable=not progress)])
    return latent_table(patches, codes)
