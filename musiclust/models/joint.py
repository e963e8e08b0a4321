"""A joint multimodal beta-VAE over mel chunks and lyric embeddings (MVAE; Wu & Goodman, 2018).

Each modality has its own Gaussian encoder (an "expert"); the posterior of a
chunk is the product of the experts it has and a standard-normal prior expert,
so a chunk without lyrics is encoded from its audio alone, by the same model,
with no imputed lyrics. Training sums the joint ELBO and, optionally, the ELBO
of each modality alone (MVAE's sub-sampled ELBOs), which teaches every expert
to stand on its own as well as in the product.

Loss terms follow :mod:`musiclust.models.vae`: summed squared reconstruction
errors and the KL to N(0, I) summed over latent dimensions, both averaged over
the batch, the KL weighted through :func:`~musiclust.models.vae.kl_term`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from ..arrays import array_from_state, array_state
from ..config import check
from .conv_bvae import ConvBetaVAE, ConvBVAEConfig
from .vae import DecoderNoise, KLConfig, kl_per_dim, kl_term, reparameterise

# exp() of a log-variance outside this range overflows or underflows float32 precisions.
LOGVAR_RANGE = (-30.0, 20.0)


@dataclass(frozen=True)
class JointBVAEConfig(KLConfig):
    """Hyperparameters of :class:`JointBetaVAE` and its training.

    ``lyric_weight`` balances the sizes of the two reconstructions. The lyric term is
    ``lyric_weight * (n_mel_pixels / lyric_dim)`` times the lyric decoder's negative log-likelihood,
    so at 1.0 each modality weighs the same per element: a 128x128 mel chunk has 16384 pixels and
    a lyric embedding 384 dimensions, whose term alone would be drowned by the mel's. With
    ``likelihood: gaussian`` (the default) each decoder's error is measured against its own
    calibrated variance (:class:`.vae.DecoderNoise`: per mel band, one for the lyric embedding),
    so an element of either modality weighs by how well it can be predicted, not by its raw
    scale (a lyric element's variance is several times below a mel pixel's); ``sse`` is the
    summed squared error of both.
    ``unimodal_elbos`` adds the audio-only and lyric-only ELBOs to the joint one.
    ``private_dim`` > 0 splits the latent (Shi et al. 2019; Daunhawer et al. 2021's
    shared/modality-specific codes): of each expert's ``latent_dim`` outputs, the first
    ``latent_dim - private_dim`` are shared (the product of experts), the last ``private_dim``
    belong to its modality alone and only its decoder reads them, so what only the audio carries
    need not be squeezed through a code the lyrics must also explain. The code clustered is the
    shared part and the audio's private part (``latent_dim`` numbers either way).
    """

    lyric_hidden: int = 256           # width of the lyric encoder's and decoder's hidden layer
    lyric_weight: float = 1.0         # per-element weight of the lyric reconstruction against the mel's
    unimodal_elbos: bool = True       # also train each expert alone (MVAE's sub-sampled ELBOs)
    private_dim: int = 0              # of latent_dim, the dimensions private to each modality (0: all shared)
    epochs: int = 10

    def validate(self, key: str) -> None:
        super().validate(key)
        check(self.lyric_hidden >= 1, f"{key}.lyric_hidden", "must be >= 1")
        check(self.lyric_weight >= 0, f"{key}.lyric_weight", "must be >= 0")
        check(isinstance(self.private_dim, int) and 0 <= self.private_dim < self.latent_dim, f"{key}.private_dim",
              f"must be an integer in [0, latent_dim) = [0, {self.latent_dim}) (latent_dim - private_dim are shared)")



def product_of_experts(mus: list[torch.Tensor], logvars: list[torch.Tensor],
                       masks: list[torch.Tensor | None] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The product of Gaussian experts and a standard-normal prior expert.

    Precision-weighted: ``T = 1 + sum_i m_i / var_i``, ``mu = (sum_i m_i mu_i / var_i) / T``,
    ``var = 1 / T``, the 1 and the 0 being the prior's precision and mean.

    Parameters
    ----------
    mus, logvars : lists of tensors, each (B, d), one per expert (may be empty: the prior alone)
    masks : list of (B,) tensors (float or bool) or None, one per expert
        Which rows have that expert; a masked-out row gets precision 0 from it, so it
        contributes nothing. None (the list or an entry): every row has the expert.

    Returns
    -------
    mu, logvar : float32 tensors, each (B, d), whatever the inputs' precision (autocast included)
    """
    if len(mus) != len(logvars):
        raise ValueError(f"{len(mus)} expert means but {len(logvars)} log-variances")
    if masks is not None and len(masks) != len(mus):
        raise ValueError(f"{len(masks)} masks for {len(mus)} experts")
    if not mus:
        raise ValueError("product_of_experts needs at least one expert to take the batch shape from "
                         "(mask it out for the prior alone)")
    masks = masks if masks is not None else [None] * len(mus)
    precision = torch.ones_like(mus[0], dtype=torch.float32)  # the prior's
    weighted_mean = torch.zeros_like(mus[0], dtype=torch.float32)
    for mu, logvar, mask in zip(mus, logvars, masks):
        expert_precision = torch.exp(-logvar.float().clamp(*LOGVAR_RANGE))
        if mask is not None:
            expert_precision = expert_precision * mask.float().unsqueeze(-1)
        precision = precision + expert_precision
        weighted_mean = weighted_mean + expert_precision * mu.float()
    return weighted_mean / precision, -torch.log(precision)


def _row_sse(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Summed squared error of each row → (B,), in float32."""
    return (recon.float() - target.float()).pow(2).flatten(1).sum(1)


class JointBetaVAE(nn.Module):
    """Audio and lyric experts, a shared latent space and a decoder per modality.

    Audio: the encoder and decoder of :class:`~musiclust.models.conv_bvae.ConvBetaVAE`
    (``self.audio``). Lyrics: an MLP ``lyric_dim → lyric_hidden → ReLU → (mu, logvar)`` and
    a decoder ``latent_dim → lyric_hidden → ReLU → lyric_dim`` with a linear output.

    A batch is ``(mels (B, S, S), lyrics (B, lyric_dim), has_lyrics (B,))``, float32, rows
    without lyrics holding zeros and 0. ``lyric_dim = 0`` (a corpus without lyrics) leaves
    no lyric expert: the model is the audio beta-VAE with a prior expert.

    With ``private_dim`` p > 0 each expert's output is ``[shared (latent_dim - p) | private (p)]``.
    The shared part of the posterior is the product of experts as above; a private part is its
    own encoder's Gaussian (a row without lyrics has no lyric-private code: the prior, KL 0). A
    sample is ``[shared | audio private | lyric private]``; the mel decoder reads
    ``[shared | audio private]``, the lyric decoder ``[shared | lyric private]``.

    Parameters
    ----------
    config : JointBVAEConfig
    image_size : int
        Side of the square mel chunk; must be divisible by 8.
    lyric_dim : int >= 0
        Size of a lyric embedding (0: no lyrics).
    """

    DIAGNOSTICS = ("audio_precision", "lyric_precision")  # logged per epoch beside the losses (see _precisions)

    def __init__(self, config: JointBVAEConfig = JointBVAEConfig(), image_size: int = 128, lyric_dim: int = 384):
        super().__init__()
        if lyric_dim < 0:
            raise ValueError(f"lyric_dim must be >= 0, got {lyric_dim}")
        self.config, self.image_size, self.lyric_dim = config, image_size, lyric_dim
        self.audio = ConvBetaVAE(ConvBVAEConfig(latent_dim=config.latent_dim, beta=config.beta,
                                                likelihood=config.likelihood, decoder_variance=config.decoder_variance),
                                 image_size)
        self.lyric_noise = DecoderNoise(config.likelihood, "global")
        self.lyric_encoder = self.lyric_mu = self.lyric_logvar = self.lyric_decoder = None
        self.lyric_scale = 0.0
        if lyric_dim:
            hidden, latent = config.lyric_hidden, config.latent_dim
            self.lyric_encoder = nn.Sequential(nn.Linear(lyric_dim, hidden), nn.ReLU())
            self.lyric_mu = nn.Linear(hidden, latent)
            self.lyric_logvar = nn.Linear(hidden, latent)
            self.lyric_decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, lyric_dim))
            # Per element, as heavy as a mel pixel at lyric_weight 1 (see JointBVAEConfig).
            self.lyric_scale = config.lyric_weight * image_size * image_size / lyric_dim
        self.shared_dim = config.latent_dim - config.private_dim

    @staticmethod
    def input_shape(mels: np.ndarray, lyrics: np.ndarray) -> dict:
        """The size arguments that fit mel chunks (N, S, S) and lyric embeddings (M, lyric_dim)."""
        if mels.ndim != 3 or mels.shape[-1] != mels.shape[-2]:
            raise ValueError(f"the joint beta-VAE needs square mel chunks (N, S, S), got {mels.shape}")
        if lyrics.ndim != 2:
            raise ValueError(f"lyric embeddings must be (M, lyric_dim), got {lyrics.shape}")
        return {"image_size": int(mels.shape[-1]), "lyric_dim": int(lyrics.shape[1])}

    def _lyric_expert(self, lyrics: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.lyric_encoder(lyrics)
        return self.lyric_mu(h), self.lyric_logvar(h)

    @staticmethod
    def _mels(mels: torch.Tensor) -> torch.Tensor:
        return mels.squeeze(1) if mels.ndim == 4 else mels

    def posterior(self, mels: torch.Tensor, lyrics: torch.Tensor | None = None,
                  has_lyrics: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The product of the prior, the audio expert and, where there are lyrics, the lyric expert.

        Parameters
        ----------
        mels : (B, S, S)
        lyrics : (B, lyric_dim) or None (lyrics withheld)
        has_lyrics : (B,) 0/1, or None: every row given ``lyrics`` has them

        Returns
        -------
        mu, logvar : float32, each (B, latent_dim): the shared code and, with ``private_dim``,
        the audio's private code after it
        """
        audio = self.audio.encode(self._mels(mels))
        lyric = self._lyric_expert(lyrics) if self.lyric_dim and lyrics is not None else None
        shared = self._shared(audio, lyric, has_lyrics)
        if not self.config.private_dim:
            return shared
        private = self._private(audio)
        return torch.cat([shared[0], private[0]], 1), torch.cat([shared[1], private[1]], 1)

    def _shared(self, audio: tuple | None, lyric: tuple | None,
                has_lyrics: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """The product of the prior and the experts given (``(mu, logvar)`` or None) over the shared
        dimensions; the lyric expert's rows masked by ``has_lyrics``. At least one expert."""
        s = self.shared_dim
        experts = [(e[0][:, :s], e[1][:, :s], mask) for e, mask in ((audio, None), (lyric, has_lyrics))
                   if e is not None]
        return product_of_experts(*(list(part) for part in zip(*experts)))

    def _private(self, expert: tuple, has: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """An expert's private dimensions as float32 ``(mu, logvar)``; rows where ``has`` is 0 get the prior."""
        mu, logvar = expert[0][:, self.shared_dim:].float(), expert[1][:, self.shared_dim:].float()
        if has is not None:
            kept = has.float().unsqueeze(-1)
            mu, logvar = mu * kept, logvar * kept
        return mu, logvar

    def _elbo(self, shared: tuple[torch.Tensor, torch.Tensor], *, mels: torch.Tensor | None,
              lyrics: torch.Tensor | None, has_lyrics: torch.Tensor | None, kl_weight: float,
              kl_capacity: float | None, audio_private: tuple | None = None, lyric_private: tuple | None = None,
              update_noise: bool = True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(total, reconstruction, kl, kl_dims)`` of one ELBO, reconstructing the modalities given.

        ``shared``: the posterior ``(mu, logvar)`` of the shared dimensions (all of them without a
        private split); ``audio_private``, ``lyric_private``: those of the private ones, given with
        their modality when ``private_dim`` > 0. ``update_noise``: this ELBO's errors move the
        decoders' variance estimates (one ELBO per step does)."""
        parts = [shared] + [p for p in (audio_private, lyric_private) if p is not None]
        mu, logvar = (torch.cat(side, 1) if len(parts) > 1 else side[0] for side in zip(*parts))
        z = reparameterise(mu, logvar)
        s, p = self.shared_dim, self.config.private_dim
        batch = mu.shape[0]
        reconstruction = torch.zeros((), device=mu.device)  # summed squared errors (the lyric's weighted)
        likelihood = torch.zeros((), device=mu.device)  # the decoders' negative log-likelihoods, as weighed
        if mels is not None:
            decoded = self.audio.decode(z[:, :s + p])  # [shared | audio private]
            reconstruction = reconstruction + _row_sse(decoded, mels).sum() / batch
            likelihood = likelihood + self.audio.noise.nll(decoded, mels, update=update_noise).sum() / batch
        if lyrics is not None:
            # [shared | lyric private]: the lyric-private sample is the last p of z.
            code = z if not p else torch.cat([z[:, :s], z[:, z.shape[1] - p:]], 1)
            # Rows without lyrics have nothing to reconstruct; still averaged over the whole batch.
            decoded, kept = self.lyric_decoder(code), has_lyrics.float()
            reconstruction = reconstruction + self.lyric_scale * (_row_sse(decoded, lyrics) * kept).sum() / batch
            # Its variance from rows with lyrics only.
            nll = self.lyric_noise.nll(decoded, lyrics, rows=kept, update=update_noise)
            likelihood = likelihood + self.lyric_scale * (nll * kept).sum() / batch
        kl_dims = kl_per_dim(mu, logvar)
        kl = kl_dims.sum()
        total = likelihood + kl_term(kl, beta=self.config.beta, kl_weight=kl_weight, kl_capacity=kl_capacity)
        return total, reconstruction, kl, kl_dims

    @staticmethod
    def _unpack(batch) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        if isinstance(batch, torch.Tensor):
            return batch, None, None
        mels, lyrics, has_lyrics = batch
        return mels, lyrics, has_lyrics

    def loss(self, batch, kl_weight: float = 1.0, kl_capacity: float | None = None) -> dict[str, torch.Tensor]:
        """The MVAE objective with sub-sampled ELBOs, as per-sample averages over the batch.

        Joint ELBO (all experts each row has; mel plus weighted lyric reconstruction) and, with
        ``unimodal_elbos``, the audio-only ELBO (mel reconstruction) and the lyric-only ELBO
        (lyric reconstruction, rows with lyrics only, averaged over the whole batch; nothing when
        no row has lyrics). Without a lyric expert the joint ELBO is the audio one, counted once.

        Parameters
        ----------
        batch : ``(mels, lyrics, has_lyrics)`` tensors, or mels alone
        kl_weight : float in [0, 1], the warm-up factor on beta
        kl_capacity : the capacity in nats at this epoch, or None

        Returns
        -------
        dict of ``total`` (the objective), ``reconstruction`` and ``kl`` (the joint ELBO's),
        ``kl_dims``, the joint posterior's KL per dimension ((latent_dim,); with ``private_dim`` p,
        (latent_dim + p,): shared, audio private, lyric private), and each expert's mean precision
        """
        mels, lyrics, has_lyrics = self._unpack(batch)
        mels = self._mels(mels)
        with_lyrics = bool(self.lyric_dim) and lyrics is not None
        if with_lyrics and has_lyrics is None:
            has_lyrics = torch.ones(len(lyrics), device=lyrics.device)
        kl_args = {"kl_weight": kl_weight, "kl_capacity": kl_capacity}

        audio = self.audio.encode(mels)
        split = bool(self.config.private_dim)
        audio_private = self._private(audio) if split else None
        if not with_lyrics:
            total, reconstruction, kl, kl_dims = self._elbo(self._shared(audio, None, None), mels=mels, lyrics=None,
                                                            has_lyrics=None, audio_private=audio_private, **kl_args)
            return {"total": total, "reconstruction": reconstruction, "kl": kl, "kl_dims": kl_dims,
                    **self._precisions(audio[1][:, :self.shared_dim], None, None)}

        lyric = self._lyric_expert(lyrics)
        # Rows without lyrics have no lyric-private code: the prior (KL 0), and nothing decodes it.
        lyric_private = self._private(lyric, has_lyrics) if split else None
        precisions = self._precisions(audio[1][:, :self.shared_dim], lyric[1][:, :self.shared_dim], has_lyrics)
        total, reconstruction, kl, kl_dims = self._elbo(self._shared(audio, lyric, has_lyrics), mels=mels,
                                                        lyrics=lyrics, has_lyrics=has_lyrics,
                                                        audio_private=audio_private, lyric_private=lyric_private,
                                                        **kl_args)
        if self.config.unimodal_elbos:
            total = total + self._elbo(self._shared(audio, None, None), mels=mels, lyrics=None, has_lyrics=None,
                                       audio_private=audio_private, update_noise=False, **kl_args)[0]
            # Rows without lyrics get the prior alone here: KL 0 and no lyric error.
            lyric_total = self._elbo(self._shared(None, lyric, has_lyrics), mels=None, lyrics=lyrics,
                                     has_lyrics=has_lyrics, lyric_private=lyric_private, update_noise=False,
                                     **kl_args)[0]
            # A batch with no lyrics has no lyric-only ELBO (under a capacity it would still add
            # beta * C); a 0/1 factor rather than a branch keeps the step free of host syncs.
            total = total + lyric_total * has_lyrics.float().amax()
        return {"total": total, "reconstruction": reconstruction, "kl": kl, "kl_dims": kl_dims, **precisions}

    @staticmethod
    def _precisions(audio_logvar: torch.Tensor, lyric_logvar: torch.Tensor | None,
                    has_lyrics: torch.Tensor | None) -> dict[str, torch.Tensor]:
        """Each expert's mean posterior precision (1 / variance over rows and the shared dimensions;
        the lyric expert's over rows with lyrics): in a product of experts the more precise one
        dominates, so an expert far more precise than the other drowns it. Detached: logged, not trained."""
        with torch.no_grad():
            audio = torch.exp(-audio_logvar.float().clamp(*LOGVAR_RANGE)).mean()
            if lyric_logvar is None:
                return {"audio_precision": audio, "lyric_precision": torch.zeros((), device=audio.device)}
            kept = has_lyrics.float()
            lyric = (torch.exp(-lyric_logvar.float().clamp(*LOGVAR_RANGE)).mean(1) * kept).sum() / kept.sum().clamp_min(1)
        return {"audio_precision": audio, "lyric_precision": lyric}

    def encode_mean(self, batch_or_mels) -> torch.Tensor:
        """The joint posterior mean of a batch tuple, or the audio-only one of mels alone → (B, latent_dim)."""
        return self.posterior(*self._unpack(batch_or_mels))[0]

    def encode_audio_mean(self, mels: torch.Tensor) -> torch.Tensor:
        """The posterior mean with lyrics withheld → (B, latent_dim)."""
        return self.posterior(mels)[0]

    def reconstruct(self, mels: torch.Tensor) -> torch.Tensor:
        """Mel chunks decoded from their audio-only posterior mean → (B, S, S)."""
        return self.audio.decode(self.encode_audio_mean(mels))


class JointRows:
    """Mel chunks (typically memory-mapped) paired with each chunk's lyric embedding.

    Item ``rows`` is ``(mels (n, S, S), lyrics (n, lyric_dim), has_lyrics (n,))``, float32,
    in the order of ``rows``; a chunk without lyrics gets zeros and 0.

    Parameters
    ----------
    mels : array (N, S, S)
    lyric_index : int array (N,), each chunk's row of ``lyrics``, or -1 for none (see :func:`chunk_lyrics`)
    lyrics : float array (M, lyric_dim); lyric_dim may be 0
    """

    def __init__(self, mels: np.ndarray, lyric_index: np.ndarray, lyrics: np.ndarray):
        lyric_index = np.asarray(lyric_index, dtype=np.int64)
        lyrics = np.asarray(lyrics, dtype=np.float32)
        if mels.ndim != 3:
            raise ValueError(f"mel chunks must be (N, S, S), got {mels.shape}")
        if lyrics.ndim != 2:
            raise ValueError(f"lyric embeddings must be (M, lyric_dim), got {lyrics.shape}")
        if lyric_index.shape != (len(mels),):
            raise ValueError(f"lyric_index must be ({len(mels)},), one per mel chunk, got {lyric_index.shape}")
        if len(lyric_index) and (lyric_index.min() < -1 or lyric_index.max() >= len(lyrics)):
            raise ValueError(f"lyric_index must be in [-1, {len(lyrics)}), got "
                             f"[{lyric_index.min()}, {lyric_index.max()}]")
        self.mels, self.lyric_index, self.lyrics = mels, lyric_index, lyrics

    @property
    def lyric_dim(self) -> int:
        return int(self.lyrics.shape[1])

    def __len__(self) -> int:
        return len(self.mels)

    def __getitem__(self, rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = np.asarray(rows, dtype=np.int64)
        # Sorted reads are sequential on a memory map; put the rows back in the order asked for.
        order = np.argsort(rows, kind="stable")
        mels = np.empty((len(rows), *self.mels.shape[1:]), dtype=np.float32)
        mels[order] = self.mels[rows[order]]
        index = self.lyric_index[rows]
        has_lyrics = index >= 0
        lyrics = np.zeros((len(rows), self.lyric_dim), dtype=np.float32)
        lyrics[has_lyrics] = self.lyrics[index[has_lyrics]]
        return mels, lyrics, has_lyrics.astype(np.float32)

    def __getstate__(self) -> dict:
        return {"mels": array_state(self.mels), "lyric_index": self.lyric_index, "lyrics": self.lyrics}

    def __setstate__(self, state: dict) -> None:
        self.mels = array_from_state(state["mels"])
        self.lyric_index, self.lyrics = state["lyric_index"], state["lyrics"]


def chunk_lyrics(chunk_track_ids: pd.Series | np.ndarray, lyric_track_ids: pd.Series,
                 lyrics: np.ndarray) -> np.ndarray:
    """Each chunk's row of ``lyrics``, -1 where its track has no lyrics → int64 (N,).

    Parameters
    ----------
    chunk_track_ids : (N,), the track of each mel chunk
    lyric_track_ids : (M,), the track of each row of ``lyrics``, distinct
    lyrics : array (M, lyric_dim), the lyric embeddings (checked against ``lyric_track_ids``)
    """
    if len(lyric_track_ids) != len(lyrics):
        raise ValueError(f"{len(lyric_track_ids)} lyric track ids for {len(lyrics)} lyric embeddings")
    index = pd.Index(np.asarray(lyric_track_ids))
    if not index.is_unique:
        duplicated = index[index.duplicated()].unique().tolist()[:5]
        raise ValueError(f"a track has more than one lyric embedding: {duplicated}")
    return index.get_indexer(np.asarray(chunk_track_ids)).astype(np.int64)


def joint_rows(mels: np.ndarray, chunk_track_ids, lyric_track_ids: pd.Series | None,
               lyrics: np.ndarray | None) -> JointRows:
    """Mel chunks paired with their tracks' lyric embeddings; a corpus without lyrics
    (``lyrics`` None, as :func:`musiclust.representations.read_lyrics` gives) pairs with none."""
    if lyrics is None:
        return JointRows(mels, np.full(len(mels), -1, dtype=np.int64), np.zeros((0, 0), dtype=np.float32))
    return JointRows(mels, chunk_lyrics(chunk_track_ids, lyric_track_ids, lyrics), lyrics)


@torch.no_grad()
def encode_joint(model: JointBetaVAE, rows: JointRows, *, withhold_lyrics: bool = False, batch_size: int = 256,
                 device: torch.device | None = None, progress: bool = True) -> np.ndarray:
    """Posterior means of every chunk → (N, latent_dim) float32: from every modality a chunk has,
    or from its audio alone (``withhold_lyrics``)."""
    device = device or torch.device("cpu")
    model.to(device).eval()
    outs = []
    for start in tqdm(range(0, len(rows), batch_size), desc="encode audio only" if withhold_lyrics else "encode",
                      unit="batch", disable=not progress):
        mels, lyrics, has_lyrics = (torch.from_numpy(part).to(device)
                                    for part in rows[np.arange(start, min(start + batch_size, len(rows)))])
        z = model.encode_audio_mean(mels) if withhold_lyrics else model.encode_mean((mels, lyrics, has_lyrics))
        outs.append(z.float().cpu().numpy())
    if not outs:
        raise ValueError("nothing to encode")
    return np.concatenate(outs)

