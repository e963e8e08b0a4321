"""Figures for the music-clustering pipeline.

Every public ``plot_*`` function here is pure: it takes arrays / DataFrames,
``path`` (the PNG to write) and ``title`` (the figure's title), writes exactly
one PNG file at ``path`` and returns that path as a :class:`pathlib.Path`.
Nothing in this module reads parameters or knows about DVC.

Conventions shared by all functions
-----------------------------------
* The Agg backend is selected at import time, before :mod:`matplotlib.pyplot`.
* Figures are built with the object API and always closed.
* Files are written atomically (:func:`musiclust.io.atomic_path`); parent
  directories are created.
* Output bytes are deterministic for identical inputs: fixed dpi, no
  ``Software`` metadata, no timestamps.
* Colours come from colour-blind-friendly qualitative palettes (tab10,
  falling back to tab20 for more categories) and perceptually uniform
  colour maps (viridis / cividis).
"""

from .embedding import plot_embedding, plot_latent_correlation, tsne_2d
from .scores import plot_class_balance, plot_confusion, plot_metric_bars
from .spectrograms import plot_reconstructions, plot_spectrogram
from .style import DPI
from .training import kl_dim_columns, plot_kl_per_dim, plot_loss_curves

__all__ = [
    "DPI",
    "plot_loss_curves",
    "plot_kl_per_dim",
    "kl_dim_columns",
    "plot_embedding",
    "tsne_2d",
    "plot_reconstructions",
    "plot_confusion",
    "plot_metric_bars",
    "plot_class_balance",
    "plot_spectrogram",
    "plot_latent_correlation",
]
