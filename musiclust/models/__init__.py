"""Every representation kind in one registry: its inputs, its settings type, how it is fitted, how it encodes.

A kind is learned from a corpus (the conv beta-VAE, the dense AE, PCA, the dense
VAE on clip statistics, the joint audio + lyrics model: ``fit`` and ``load``) or
computed by a fixed model (the lyric sentence embedding: no ``fit``). Each
declares the inputs it reads (:data:`INPUTS`); the stages read those files into a
:class:`ModelInputs` and call :func:`fit`, :func:`encode_seeds` or :func:`embed`
without knowing which kind they serve.

Adding a kind means one model file (a settings dataclass and the model) and one
entry in :data:`KINDS`. A saved model is ``{"kind", "hparams", "state"}``
written with ``torch.save`` and loadable with ``weights_only=True``;
``hparams`` holds the settings (``config``) and the input sizes (``input``).
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch

from ..config import InputError, check
from ..encode import encode, latent_table
from ..io import atomic_path, seed_file, seed_of  # noqa: F401 (seed_file: the stages' writer)
from ..representations import Features, read_features, read_lyrics, stack_seeds, subset_features
from ..split import read_split, tracks_in
from ..text import LyricsParams, embed_lyrics
from ..train import EpochStats, best_epoch, seed_everything, stop_reason, train
from .conv_bvae import ConvBetaVAE, ConvBVAEConfig
from .dense_ae import DenseAE, DenseAEConfig
from .dense_vae import DenseVAE, DenseVAEConfig
from .joint import JointBetaVAE, JointBVAEConfig, encode_joint, joint_rows
from .linear import PCAConfig, fit_pca, pca_residual, pca_transform
from .pretrained import MusicnnConfig, embed_musicnn
from .vae import KLConfig, beta_conventions

# What a kind may read: log-mel chunks (mels.npy keyed by chunks.parquet), the clip statistics
# per track (clipstats.parquet, standardised), the lyric embeddings (lyrics.parquet), the
# tracks table with its lyric texts (tracks.parquet) and a pretrained model's input patches of the
# kept chunks (musiclust.chunk_audio, cut from the audio files).
INPUTS = ("mels", "clipstats", "lyrics", "texts", "audio")


@dataclass
class ModelInputs:
    """The inputs a stage read for a kind; ``given`` names those it was given (a field not given is None).

    ``lyrics`` is ``(track ids, embeddings)``, both None for a corpus without lyrics.
    """

    mels: Features | None = None
    clipstats: Features | None = None
    lyrics: tuple[pd.Series | None, np.ndarray | None] | None = None
    texts: pd.DataFrame | None = None
    audio: Features | None = None  # a pretrained audio model's input per chunk (musiclust.chunk_audio)
    given: frozenset = frozenset()
    split: pd.Series | None = None  # train / validation / test by track_id; None: every row trains

    def subset(self, track_ids) -> ModelInputs:
        """The rows of the songs ``track_ids`` only (the lyric embeddings, keyed by track, stay whole)."""
        def rows(features: Features | None) -> Features | None:
            return None if features is None else subset_features(features, track_ids)

        texts = None if self.texts is None else self.texts[self.texts["track_id"].isin(track_ids)]
        return dataclasses.replace(self, mels=rows(self.mels), clipstats=rows(self.clipstats), texts=texts)

    def held_out(self) -> tuple[ModelInputs, ModelInputs | None]:
        """``(training rows, validation rows or None)``: the training songs' rows and the
        validation songs' (None without a split or without validation songs)."""
        if self.split is None:
            return self, None
        validation = tracks_in(self.split, "validation")
        return self.subset(tracks_in(self.split, "train")), (self.subset(validation) if len(validation) else None)

    def require(self, names: tuple[str, ...], kind: str) -> None:
        missing = [name for name in names if name not in self.given]
        if missing:
            raise InputError(f"a {kind} model reads {', '.join(names)}; not given: {', '.join(missing)}")


@dataclass
class Fitted:
    """A fitted model: what is saved, its per-epoch history and its training summary."""

    kind: str
    hparams: dict
    state: dict
    history: list[EpochStats]
    extra: dict  # kind-specific training numbers (parameter count, explained variance)

    def history_frame(self) -> pd.DataFrame:
        return pd.DataFrame([h.row() for h in self.history])

    def summary(self) -> dict:
        """The training metrics: the last epoch's losses and the kind's own numbers."""
        last, best = self.history[-1], best_epoch(self.history)
        kept = {} if best is None else {"best_epoch": best, "validation_total": self.history[best - 1].validation[0],
                                        "validation_reconstruction": self.history[best - 1].validation[1]}
        return {"kind": self.kind, "epochs": last.epoch, "final_total": last.total,
                "final_reconstruction": last.reconstruction, "final_kl": last.kl, **kept, **self.extra}


Encoded = dict[str, tuple[pd.DataFrame, np.ndarray]]  # view ("" the main one) -> (rows, latents)


@dataclass(frozen=True)
class Kind:
    """One registry entry.

    Attributes
    ----------
    config : the settings dataclass (validated with ``validate(key)`` where it has one)
    inputs : the names of :data:`INPUTS` it reads, to train and to encode
    encode : ``(model, inputs, device, progress) -> {view: (rows, latents)}`` for a trained kind,
        ``(config, inputs, device, progress) -> {view: (rows, vectors)}`` for a fixed one
    fit : ``(config, inputs, device, seed, *, validation, **runtime) -> (hparams, state, history, extra)``
        (``validation``: the validation songs' inputs, or None; a kind without a use for them takes
        it in ``runtime``), or None for a fixed model that is not trained on the corpus
    load : ``(hparams, state) -> model``, the inverse of what :func:`save_model` writes
    views : the latents tables one encoding gives: ``""`` and, e.g., the joint model's
        ``"audio"`` (lyrics withheld)
    """

    config: type
    inputs: tuple[str, ...]
    encode: Callable[..., Encoded]
    fit: Callable[..., tuple[dict, dict, list[EpochStats], dict]] | None = None
    load: Callable[[dict, dict], Any] | None = None
    views: tuple[str, ...] = ("",)

    @property
    def trains(self) -> bool:
        return self.fit is not None


def _data(inputs: ModelInputs) -> Features:
    """The one array a single-input kind reads: the mel chunks or the clip statistics."""
    return inputs.mels if "mels" in inputs.given else inputs.clipstats


def _encode_rows(model, inputs: ModelInputs, device: torch.device | None, progress: bool) -> Encoded:
    features = _data(inputs)
    return {"": latent_table(features, encode(model, features.data, device=device, progress=progress))}


def _torch_loader(module: type[torch.nn.Module], config: type) -> Callable[[dict, dict], torch.nn.Module]:
    """Rebuild a torch model from its saved settings and input sizes, and load its weights."""

    def load(hparams: dict, state: dict) -> torch.nn.Module:
        model = module(config(**hparams["config"]), **hparams["input"])
        model.load_state_dict(state)
        return model.eval()

    return load


def _torch_kind(module: type[torch.nn.Module], config: type, inputs: tuple[str, ...]) -> Kind:
    """A torch model on one array: built from its settings and the input sizes, trained by :func:`train`."""

    def fit(cfg, given: ModelInputs, device: torch.device, seed: int, *, validation: ModelInputs | None = None,
            **runtime):
        data = _data(given).data
        hparams = {"config": dataclasses.asdict(cfg), "input": module.input_shape(data), "seed": seed}
        model = module(cfg, **hparams["input"])
        if hasattr(model, "scaling"):
            model.scaling.fit(data)  # the training rows' band statistics (nothing unless input_scaling asks)
        history = train(model, data, epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr, seed=seed,
                        device=device, kl=cfg.kl_schedule() if isinstance(cfg, KLConfig) else None,
                        validation=None if validation is None else _data(validation).data,
                        stopping=cfg.stopping(), **runtime)
        extra = {"parameters": int(sum(t.numel() for t in model.parameters())),
                 "stopped": stop_reason(history, cfg.epochs)}
        if isinstance(cfg, KLConfig):
            extra.update(_beta_conventions(model, cfg, history, int(np.prod(data.shape[1:]))))
        return hparams, model.state_dict(), history, extra

    return Kind(config, inputs, _encode_rows, fit, _torch_loader(module, config))


def _beta_conventions(model, cfg: KLConfig, history: list[EpochStats], elements: int) -> dict:
    """The decoder's variance per element and beta in both conventions (:func:`.vae.beta_conventions`)."""
    if cfg.likelihood == "gaussian":
        variance = float(1.0 / (1.0 / model.noise.variance.double()).mean())
    else:
        kept = best_epoch(history)
        variance = (history[kept - 1].validation[1] if kept else history[-1].reconstruction) / elements
    return {"decoder_variance": variance, **beta_conventions(cfg.beta, cfg.likelihood, variance)}


def _fit_pca(cfg: PCAConfig, inputs: ModelInputs, device: torch.device, seed: int, *,
             validation: ModelInputs | None = None, **runtime):
    state, numbers = fit_pca(inputs.mels.data, cfg, seed)
    error = numbers["reconstruction"]
    hparams = {"config": dataclasses.asdict(cfg), "input": {}, "seed": seed}
    extra = {"explained_variance": numbers["explained_variance"], "fit_chunks": numbers["fit_chunks"]}
    held_out = ()
    if validation is not None:
        residual = pca_residual(validation.mels.data, state["mean"], state["components"])
        held_out = (residual, residual, 0.0)
    return hparams, state, [EpochStats(1, error, error, 0.0, validation=held_out)], extra


def _load_pca(hparams: dict, state: dict):
    mean, components = state["mean"].numpy(), state["components"].numpy()
    return lambda images: pca_transform(images, mean, components)


def _joint_rows(inputs: ModelInputs):
    return joint_rows(inputs.mels.data, inputs.mels.keys["track_id"], *inputs.lyrics)


def _fit_joint(cfg: JointBVAEConfig, inputs: ModelInputs, device: torch.device, seed: int, *,
               validation: ModelInputs | None = None, **runtime):
    rows = _joint_rows(inputs)
    hparams = {"config": dataclasses.asdict(cfg), "input": JointBetaVAE.input_shape(rows.mels, rows.lyrics),
               "seed": seed}
    model = JointBetaVAE(cfg, **hparams["input"])
    history = train(model, rows, epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr, seed=seed,
                    device=device, kl=cfg.kl_schedule(),
                    validation=None if validation is None else _joint_rows(validation), stopping=cfg.stopping(),
                    **runtime)
    extra = {"parameters": int(sum(t.numel() for t in model.parameters())),
             "stopped": stop_reason(history, cfg.epochs),
             "chunks_with_lyrics": int((rows.lyric_index >= 0).sum())}
    return hparams, model.state_dict(), history, extra


def _encode_joint(model: JointBetaVAE, inputs: ModelInputs, device: torch.device | None, progress: bool) -> Encoded:
    """From every modality a chunk has (view ``""``) and with the lyrics withheld (view ``"audio"``)."""
    if inputs.mels.keys is None:
        raise ValueError("joint latents need the chunks table that keys them (chunks.parquet)")
    rows = _joint_rows(inputs)
    return {view: latent_table(inputs.mels, encode_joint(model, rows, withhold_lyrics=withhold, device=device,
                                                         progress=progress))
            for view, withhold in (("", False), ("audio", True))}


def _embed_lyrics(cfg: LyricsParams, inputs: ModelInputs, device: torch.device | None, progress: bool) -> Encoded:
    return {"": embed_lyrics(inputs.texts, model=cfg.model, batch_size=cfg.batch_size, progress=progress)}


def _embed_audio(cfg: MusicnnConfig, inputs: ModelInputs, device: torch.device | None, progress: bool) -> Encoded:
    return {"": embed_musicnn(cfg, inputs.audio, device, progress)}


KINDS: dict[str, Kind] = {
    "conv_bvae": _torch_kind(ConvBetaVAE, ConvBVAEConfig, ("mels",)),
    "dense_ae": _torch_kind(DenseAE, DenseAEConfig, ("mels",)),
    "dense_vae": _torch_kind(DenseVAE, DenseVAEConfig, ("clipstats",)),
    "pca": Kind(PCAConfig, ("mels",), _encode_rows, _fit_pca, _load_pca),
    "joint_bvae": Kind(JointBVAEConfig, ("mels", "lyrics"), _encode_joint, _fit_joint,
                       _torch_loader(JointBetaVAE, JointBVAEConfig), views=("", "audio")),
    "sentence_embedding": Kind(LyricsParams, ("texts",), _embed_lyrics),
    "musicnn": Kind(MusicnnConfig, ("audio",), _embed_audio),
}


def _as_inputs(entry: Kind, inputs) -> ModelInputs:
    """``inputs`` as given, or one array in memory for a kind that reads one (mel chunks (N, H, W)
    or feature rows (N, F)), without keys."""
    if isinstance(inputs, ModelInputs):
        return inputs
    if len(entry.inputs) != 1 or entry.inputs[0] not in ("mels", "clipstats"):
        raise TypeError(f"a kind reading {entry.inputs} takes ModelInputs, not an array")
    name = entry.inputs[0]
    features = Features(None, inputs, "chunk" if name == "mels" else "track")
    return ModelInputs(**{name: features}, given=frozenset({name}))


def kind_of(kind: str) -> Kind:
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; known: {sorted(KINDS)}")
    return KINDS[kind]


def fit(kind: str, config, inputs: ModelInputs | np.ndarray, *, seed: int, device: torch.device,
        threads: int | None = None, validation: ModelInputs | np.ndarray | None = None, **runtime) -> Fitted:
    """Fit one model of ``kind`` with settings ``config`` on ``inputs`` (or, for a kind that reads
    one array, that array). With ``validation`` (the validation songs' inputs, of the same form),
    a trained network keeps the weights of its epoch with the lowest validation loss
    (:func:`musiclust.train.train`); :meth:`ModelInputs.held_out` cuts both from a split.

    Seeded with ``seed``: the same settings, seed, data, device and thread
    count give the same weights. ``runtime`` (``precision``, ``compile``,
    ``loader_workers``, ``distributed``, ``progress``: see :func:`musiclust.train.train`)
    reaches the torch training loop; PCA has no use for it.
    """
    entry = kind_of(kind)
    if not entry.trains:
        raise ValueError(f"a {kind} is a fixed model: nothing to train (use embed)")
    inputs = _as_inputs(entry, inputs)
    inputs.require(entry.inputs, kind)
    validation = None if validation is None else _as_inputs(entry, validation)
    seed_everything(seed, threads)
    hparams, state, history, extra = entry.fit(config, inputs, device, seed, validation=validation, **runtime)
    return Fitted(kind, hparams, state, history, extra)


def encode_seeds(kind: str, models: dict[int, Any], inputs: ModelInputs, *, device: torch.device | None = None,
                 progress: bool = True) -> Encoded:
    """Latents of every row under each seed's model, stacked with a ``seed`` column, per view.

    Parameters
    ----------
    models : ``{training seed: model}`` as :func:`load_model` gives them, in seed order
    """
    entry = kind_of(kind)
    inputs.require(entry.inputs, kind)
    per_view: dict[str, list] = {view: [] for view in entry.views}
    for seed, model in models.items():
        for view, (rows, latents) in entry.encode(model, inputs, device, progress).items():
            per_view[view].append((seed, rows, latents))
    return {view: stack_seeds(parts) for view, parts in per_view.items()}


def embed(kind: str, config, inputs: ModelInputs, *, device: torch.device | None = None,
          progress: bool = True) -> Encoded:
    """The vectors of a fixed model (one that is not trained on the corpus), per view."""
    entry = kind_of(kind)
    if entry.trains:
        raise ValueError(f"a {kind} model is trained on the corpus: fit it, then encode_seeds")
    inputs.require(entry.inputs, kind)
    return entry.encode(config, inputs, device, progress)


@torch.no_grad()
def reconstructions(model, images: np.ndarray) -> np.ndarray | None:
    """``model``'s reconstructions of ``images`` (n, H, W) → float32 (n, H, W); None for a model
    that does not reconstruct (PCA's encoder is a projection only)."""
    if not hasattr(model, "reconstruct"):
        return None
    device = next(model.parameters()).device
    return model.reconstruct(torch.from_numpy(np.asarray(images, dtype=np.float32)).to(device)).float().cpu().numpy()


def model_files(folder) -> dict[int, Path]:
    """``{seed: path}`` of every per-seed model in ``folder``, by seed."""
    files = {seed_of(p): p for p in Path(folder).glob("seed_*.pt")}
    if not files:
        raise FileNotFoundError(f"{folder}: no trained models (seed_<n>.pt); run the train stage first")
    return dict(sorted(files.items()))


def save_model(path, fitted: Fitted) -> Path:
    payload = {"kind": fitted.kind, "hparams": fitted.hparams,
               "state": {k: (torch.from_numpy(v) if isinstance(v, np.ndarray) else v.detach().cpu())
                         for k, v in fitted.state.items()}}
    # Saving through a buffer keeps the archive's inner folder name fixed ("archive"),
    # not the random temporary file name: same weights, same bytes.
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
    return Path(path)


def load_model(path):
    """A saved model, ready to encode: a torch module (``encode_mean``) or a function on arrays.

    Returns
    -------
    encoder, kind
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: model file not found")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    entry = kind_of(payload["kind"])
    if entry.load is None:
        raise ValueError(f"{path}: a {payload['kind']} is a fixed model, not saved per corpus")
    return entry.load(payload["hparams"], payload["state"]), payload["kind"]


def load_models(folder) -> tuple[str, dict[int, Any]]:
    """Every per-seed model of one folder → ``(kind, {seed: model})``; the seeds must share a kind."""
    loaded = {seed: load_model(path) for seed, path in model_files(folder).items()}
    kinds = sorted({kind for _, kind in loaded.values()})
    if len(kinds) != 1:
        raise ValueError(f"{folder}: models of several kinds {kinds}")
    return kinds[0], {seed: model for seed, (model, _) in loaded.items()}


def read_inputs(*, mels=None, chunks=None, clipstats=None, lyrics=None, tracks=None, split=None) -> ModelInputs:
    """Read the inputs whose files are given: ``mels`` (``mels.npy``, memory-mapped, keyed by
    ``chunks`` when given), ``clipstats`` (``clipstats.parquet``, standardised by the training
    songs'), ``lyrics`` (``lyrics.parquet``; a missing file or no rows: a corpus without lyrics),
    ``tracks`` (``tracks.parquet``, the lyric texts) and ``split`` (``split.parquet``, the
    held-out songs: :mod:`musiclust.split`; None: every song trains)."""
    given = {name for name, path in (("mels", mels), ("clipstats", clipstats), ("lyrics", lyrics),
                                      ("texts", tracks)) if path is not None}
    split_of = None if split is None else read_split(split)
    if split_of is not None and mels is not None and chunks is None:
        raise InputError("a split chooses mel chunks by song: give their chunks.parquet too")
    return ModelInputs(
        mels=read_features(mels, chunks=chunks) if mels is not None else None,
        clipstats=read_features(clipstats, fit_tracks=tracks_in(split_of, "train")) if clipstats is not None else None,
        lyrics=read_lyrics(lyrics) if lyrics is not None else None,
        texts=pd.read_parquet(tracks) if tracks is not None else None,
        given=frozenset(given), split=split_of)


@dataclass(frozen=True)
class EncodeParams:
    reconstructions: int = 4  # evenly spaced mel chunks the first seed's model reconstructs, for the report

    def validate(self, key: str) -> None:
        check(self.reconstructions >= 0, f"{key}.reconstructions", "must be >= 0")


def reconstruction_table(model, mels: Features, count: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """``count`` evenly spaced mel chunks reconstructed by ``model`` (trained with ``seed``): their
    ``row`` in the mel array and ``seed``, and the reconstructions flattened (count, H*W); no rows
    for a model that does not reconstruct."""
    picks = np.linspace(0, len(mels.data) - 1, count).round().astype(np.int64) if count else np.zeros(0, np.int64)
    images = np.asarray(mels.data[picks], dtype=np.float32)
    recon = reconstructions(model, images) if len(picks) else None
    size = int(np.prod(mels.data.shape[1:]))
    if recon is None:
        picks = picks[:0]
        return pd.DataFrame({"row": picks, "seed": np.int32(seed)}), np.zeros((0, size), np.float32)
    return pd.DataFrame({"row": picks, "seed": np.int32(seed)}), recon.reshape(len(picks), size)
