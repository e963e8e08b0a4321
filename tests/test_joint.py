import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from musiclust.config import ConfigError, InputError
from musiclust.models import ModelInputs, encode_seeds, fit, load_model, save_model
from musiclust.models.joint import (
    JointBetaVAE,
    JointBVAEConfig,
    JointRows,
    chunk_lyrics,
    encode_joint,
    joint_rows,
    product_of_experts,
)
from musiclust.models.vae import beta_vae_loss
from musiclust.representations import Features
from musiclust.train import train

SIZE, LYRIC_DIM, LATENT = 16, 8, 4


def _model(lyric_dim=LYRIC_DIM, **config) -> JointBetaVAE:
    torch.manual_seed(0)
    cfg = JointBVAEConfig(latent_dim=LATENT, beta=2.0, lyric_hidden=16, **config)
    return JointBetaVAE(cfg, image_size=SIZE, lyric_dim=lyric_dim).eval()


def _batch(has_lyrics=(1, 0, 1, 0), seed=0):
    rng = np.random.default_rng(seed)
    n = len(has_lyrics)
    has = torch.tensor(has_lyrics, dtype=torch.float32)
    mels = torch.from_numpy(rng.random((n, SIZE, SIZE), dtype=np.float32))
    lyrics = torch.from_numpy(rng.standard_normal((n, LYRIC_DIM)).astype(np.float32)) * has[:, None]
    return mels, lyrics, has


def test_product_of_two_experts_matches_hand_computation():
    mu, logvar = product_of_experts([torch.tensor([[1.0]]), torch.tensor([[-2.0]])],
                                    [torch.tensor([[np.log(0.5)]]), torch.tensor([[np.log(2.0)]])])
    precision = 1 + 2 + 0.5
    assert mu.item() == pytest.approx((1 * 2 + -2 * 0.5) / precision, rel=1e-6)
    assert logvar.exp().item() == pytest.approx(1 / precision, rel=1e-6)


def test_product_of_experts_with_masks_over_rows_and_dims():
    rng = np.random.default_rng(1)
    mus = [rng.standard_normal((5, 3)) for _ in range(2)]
    logvars = [rng.uniform(-2, 2, (5, 3)) for _ in range(2)]
    mask = np.array([1, 0, 1, 0, 1], dtype=np.float32)
    mu, logvar = product_of_experts([torch.tensor(m, dtype=torch.float32) for m in mus],
                                    [torch.tensor(v, dtype=torch.float32) for v in logvars],
                                    [None, torch.tensor(mask, dtype=torch.bool)])
    assert mu.dtype == torch.float32
    precisions = [np.exp(-v) for v in logvars]
    precisions[1] = precisions[1] * mask[:, None]
    total = 1 + precisions[0] + precisions[1]
    np.testing.assert_allclose(mu.numpy(), (precisions[0] * mus[0] + precisions[1] * mus[1]) / total, rtol=1e-5)
    np.testing.assert_allclose(logvar.numpy(), -np.log(total), rtol=1e-5, atol=1e-6)
    # Rows without the second expert: the prior times the first expert alone.
    alone = 1 + np.exp(-logvars[0])
    np.testing.assert_allclose(mu.numpy()[mask == 0], (np.exp(-logvars[0]) * mus[0] / alone)[mask == 0], rtol=1e-5)


def test_all_experts_masked_leaves_the_prior():
    mu, logvar = product_of_experts([torch.randn(3, 4) * 5, torch.randn(3, 4)], [torch.randn(3, 4), torch.randn(3, 4)],
                                    [torch.zeros(3), torch.zeros(3, dtype=torch.bool)])
    assert torch.equal(mu, torch.zeros(3, 4)) and torch.equal(logvar, torch.zeros(3, 4))


def test_product_of_experts_survives_extreme_log_variances():
    mu, logvar = product_of_experts([torch.ones(2, 2)], [torch.tensor([[-1e4, 1e4], [200.0, -200.0]])])
    assert torch.isfinite(mu).all() and torch.isfinite(logvar).all()


@pytest.mark.parametrize("has_lyrics", [(1, 0, 1, 0), (0, 0, 0, 0)])
def test_missing_lyrics_train_with_finite_losses_and_gradients(has_lyrics):
    model = _model().train()
    out = model.loss(_batch(has_lyrics), kl_weight=0.5, kl_capacity=1.0)
    assert set(out) == {"total", "reconstruction", "kl", "kl_dims", "audio_precision", "lyric_precision"}
    assert out["kl_dims"].shape == (LATENT,) and out["audio_precision"] > 0
    assert all(torch.isfinite(v).all() for v in out.values())
    out["total"].backward()
    grads = {name: p.grad for name, p in model.named_parameters()}
    assert all(g is not None and torch.isfinite(g).all() for g in grads.values())
    lyric = [g for name, g in grads.items() if name.startswith(("lyric_encoder", "lyric_mu", "lyric_logvar"))]
    assert lyric
    if not any(has_lyrics):
        assert all(torch.count_nonzero(g) == 0 for g in lyric)
        assert out["lyric_precision"] == 0 and not model.lyric_noise.estimated  # nothing to estimate it from
    else:
        assert any(torch.count_nonzero(g) > 0 for g in lyric)
        assert out["lyric_precision"] > 0 and model.lyric_noise.estimated


def test_no_lyric_rows_adds_no_lyric_only_elbo():
    # Without lyric rows, the objective is the joint and audio-only ELBOs (equal posteriors here).
    mels, lyrics, has = _batch((0, 0, 0))
    model = _model()
    torch.manual_seed(3)
    total = model.loss((mels, lyrics, has), kl_capacity=5.0)["total"]
    torch.manual_seed(3)
    audio = model.loss(mels, kl_capacity=5.0)
    torch.manual_seed(3)
    torch.randn(3, LATENT)  # the joint ELBO's sample
    second = model.loss(mels, kl_capacity=5.0)["total"]
    assert total.item() == pytest.approx(audio["total"].item() + second.item(), rel=1e-5)


def test_rows_without_lyrics_encode_from_audio_alone():
    model = _model()
    mels, lyrics, has = _batch((1, 0, 1, 0))
    with torch.no_grad():
        joint = model.encode_mean((mels, lyrics, has))
        audio = model.encode_audio_mean(mels)
    assert torch.allclose(joint[has == 0], audio[has == 0])
    assert not torch.allclose(joint[has == 1], audio[has == 1])
    assert torch.equal(model.encode_mean(mels), audio)
    assert model.reconstruct(mels).shape == (4, SIZE, SIZE)


def test_without_lyrics_the_loss_is_the_audio_beta_vae_elbo():
    model = _model(lyric_dim=0)
    assert not any(name.startswith("lyric") for name, _ in model.named_parameters())
    model.eval()  # the decoder's variance fixed: both sides score the same likelihood
    mels = _batch()[0]
    batch = (mels, torch.zeros(4, 0), torch.zeros(4))
    for capacity in (None, 2.0):
        torch.manual_seed(7)
        out = model.loss(batch, kl_weight=0.5, kl_capacity=capacity)
        torch.manual_seed(7)
        mu, logvar = product_of_experts(*[[t] for t in model.audio.encode(mels)])
        expected = beta_vae_loss(mels, mu, logvar, model.audio.decode, beta=2.0, kl_weight=0.5, kl_capacity=capacity,
                                 noise=model.audio.noise)
        for key in ("total", "reconstruction", "kl", "kl_dims"):
            torch.testing.assert_close(out[key], expected[key])
    assert model.encode_mean(mels).shape == (4, LATENT)
    assert torch.equal(model.encode_mean(batch), model.encode_mean(mels))


def test_lyric_weight_scales_only_the_lyric_reconstruction():
    batch = _batch((1, 1, 0, 1))
    mels = batch[0]
    recs = {}
    for weight in (0.0, 1.0, 2.0):
        model = _model(lyric_weight=weight)  # same seed: same weights for every weight
        torch.manual_seed(5)
        recs[weight] = model.loss(batch)["reconstruction"].item()
    # At weight 0, the joint reconstruction is the mel error of the same sample alone.
    model = _model(lyric_weight=0.0)
    torch.manual_seed(5)
    mu, logvar = model.posterior(*batch)
    z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
    mel_error = ((model.audio.decode(z) - mels) ** 2).sum().item() / 4
    assert recs[0.0] == pytest.approx(mel_error, rel=1e-5)
    # At weight 1, each lyric element weighs as much as a mel pixel; rows without lyrics add nothing.
    lyric_error = (((model.lyric_decoder(z) - batch[1]) ** 2).sum(1) * batch[2]).sum().item() / 4
    lyric_part = recs[1.0] - recs[0.0]
    assert lyric_part == pytest.approx(SIZE * SIZE / LYRIC_DIM * lyric_error, rel=1e-4)
    assert recs[2.0] - recs[0.0] == pytest.approx(2 * lyric_part, rel=1e-4)


def test_loss_runs_under_bf16_autocast_in_float32():
    model = _model()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model.loss(_batch())
        mu, logvar = model.posterior(*_batch())
    assert torch.isfinite(out["total"]) and mu.dtype == torch.float32 and logvar.dtype == torch.float32


def test_input_shape():
    assert JointBetaVAE.input_shape(np.zeros((2, 16, 16)), np.zeros((3, 8))) == {"image_size": 16, "lyric_dim": 8}
    assert JointBetaVAE.input_shape(np.zeros((2, 16, 16)), np.zeros((0, 0)))["lyric_dim"] == 0
    with pytest.raises(ValueError, match="square"):
        JointBetaVAE.input_shape(np.zeros((2, 16, 8)), np.zeros((3, 8)))


def _rows(tmp_path, n=6):
    mels = np.lib.format.open_memmap(tmp_path / "mels.npy", mode="w+", dtype=np.float16, shape=(n, SIZE, SIZE))
    mels[:] = np.arange(n, dtype=np.float16)[:, None, None]
    mels.flush()
    lyrics = np.arange(3 * LYRIC_DIM, dtype=np.float32).reshape(3, LYRIC_DIM) + 1
    index = np.array([2, -1, 0, -1, 1, 2][:n])
    return JointRows(np.load(tmp_path / "mels.npy", mmap_mode="r"), index, lyrics), lyrics


def test_joint_rows_pair_each_chunk_with_its_lyrics(tmp_path):
    rows, lyrics = _rows(tmp_path)
    assert len(rows) == 6 and rows.lyric_dim == LYRIC_DIM
    mels, lyr, has = rows[np.array([4, 1, 0, 3])]
    assert mels.dtype == np.float32 and lyr.dtype == np.float32 and has.dtype == np.float32
    np.testing.assert_array_equal(mels[:, 0, 0], [4, 1, 0, 3])  # the order asked for
    np.testing.assert_array_equal(has, [1, 0, 1, 0])
    np.testing.assert_array_equal(lyr, np.stack([lyrics[1], np.zeros(LYRIC_DIM), lyrics[2], np.zeros(LYRIC_DIM)]))
    with pytest.raises(ValueError, match="lyric_index"):
        JointRows(np.zeros((2, 4, 4)), np.array([0, 3]), lyrics)


def test_joint_rows_pickle_a_memory_map_by_name(tmp_path):
    rows, _ = _rows(tmp_path)
    blob = pickle.dumps(rows)
    assert len(blob) < 4096  # the mels (6 * 16 * 16 * 2 bytes) are not in it
    copy = pickle.loads(blob)
    assert isinstance(copy.mels, np.memmap)
    every = np.arange(6)
    for a, b in zip(rows[every], copy[every]):
        np.testing.assert_array_equal(a, b)
    # An in-memory array travels whole.
    plain = pickle.loads(pickle.dumps(JointRows(np.ones((2, 4, 4), np.float32), np.array([-1, -1]), np.zeros((0, 0)))))
    assert plain[np.array([1])][1].shape == (1, 0)


def test_joint_rows_feed_the_model(tmp_path):
    rows, _ = _rows(tmp_path)
    batch = tuple(torch.from_numpy(a) for a in rows[np.arange(6)])
    assert torch.isfinite(_model().train().loss(batch)["total"])


def test_chunk_lyrics_maps_tracks_to_lyric_rows():
    index = chunk_lyrics(pd.Series([10, 11, 10, 12, 13]), pd.Series([12, 10]), np.zeros((2, 3)))
    assert index.dtype == np.int64
    np.testing.assert_array_equal(index, [1, -1, 1, 0, -1])
    np.testing.assert_array_equal(chunk_lyrics(np.array([5]), pd.Series([], dtype=int), np.zeros((0, 3))), [-1])
    with pytest.raises(ValueError, match="more than one"):
        chunk_lyrics(np.array([1]), pd.Series([1, 1]), np.zeros((2, 3)))


@pytest.mark.parametrize("field, value", [("lyric_weight", -1.0), ("lyric_hidden", 0), ("kl_capacity", -1.0),
                                          ("latent_dim", 0)])
def test_config_validation_names_the_key(field, value):
    JointBVAEConfig().validate("m")
    with pytest.raises(ConfigError, match=f"m.{field}"):
        JointBVAEConfig(**{field: value}).validate("m")


def _corpus(tmp_path, n_tracks=4, chunks_per_track=3, lyric_tracks=("t0", "t2")) -> ModelInputs:
    """The inputs of a joint model as the stages read them: mel chunks keyed by track, and lyrics."""
    rng = np.random.default_rng(3)
    path = tmp_path / "mels.npy"
    np.save(path, rng.random((n_tracks * chunks_per_track, SIZE, SIZE), dtype=np.float32))
    keys = pd.DataFrame({"track_id": np.repeat([f"t{i}" for i in range(n_tracks)], chunks_per_track),
                         "chunk": np.tile(np.arange(chunks_per_track), n_tracks)})
    lyrics = rng.standard_normal((len(lyric_tracks), LYRIC_DIM)).astype(np.float32) if lyric_tracks else None
    ids = pd.Series(list(lyric_tracks)) if lyric_tracks else None
    return ModelInputs(mels=Features(keys, np.load(path, mmap_mode="r"), "chunk"), lyrics=(ids, lyrics),
                       given=frozenset({"mels", "lyrics"}))


def _joint_rows_of(inputs: ModelInputs) -> JointRows:
    return joint_rows(inputs.mels.data, inputs.mels.keys["track_id"], *inputs.lyrics)


def _fit(config, inputs, seed, **runtime):
    return fit("joint_bvae", config, inputs, seed=seed, device=torch.device("cpu"), threads=1, progress=False,
               **runtime)


def test_fit_save_load_and_encode_with_tracks_without_lyrics(tmp_path):
    inputs = _corpus(tmp_path)
    rows = _joint_rows_of(inputs)
    config = JointBVAEConfig(latent_dim=LATENT, lyric_hidden=16, epochs=2, batch_size=4, lr=3e-3)
    fitted = _fit(config, inputs, seed=1)
    history = fitted.history_frame()
    assert list(history.epoch) == [1, 2] and np.isfinite(history.drop(columns="epoch").to_numpy()).all()
    assert [c for c in history if c.startswith("kl_dim_")] == [f"kl_dim_{i}" for i in range(LATENT)]
    assert fitted.extra["chunks_with_lyrics"] == 6 and fitted.hparams["input"] == {"image_size": SIZE,
                                                                                   "lyric_dim": LYRIC_DIM}
    save_model(tmp_path / "m.pt", fitted)
    model, kind = load_model(tmp_path / "m.pt")
    assert kind == "joint_bvae" and isinstance(model, JointBetaVAE)
    joint = encode_joint(model, rows, progress=False)
    audio = encode_joint(model, rows, withhold_lyrics=True, progress=False)
    has = rows.lyric_index >= 0
    assert joint.shape == (12, LATENT)
    # chunks of tracks without lyrics are encoded from their audio alone either way
    np.testing.assert_allclose(joint[~has], audio[~has], rtol=1e-6)
    assert np.abs(joint[has] - audio[has]).max() > 1e-4
    # the registry's encoder: both views, chunk rows then track means, with the seed
    views = encode_seeds(kind, {7: model}, inputs, progress=False)
    assert sorted(views) == ["", "audio"]
    table, latents = views[""]
    chunk_rows = (table["level"] == "chunk").to_numpy()
    np.testing.assert_allclose(latents[chunk_rows], joint, rtol=1e-6)
    np.testing.assert_allclose(latents[~chunk_rows][0], joint[:3].mean(axis=0), rtol=1e-5)
    assert set(table["seed"]) == {7} and (table["level"] == "track").sum() == 4
    np.testing.assert_allclose(views["audio"][1][chunk_rows], audio, rtol=1e-6)
    # same seed, same weights
    again = _fit(config, inputs, seed=1)
    assert all(torch.equal(a, b) for a, b in zip(fitted.state.values(), again.state.values()))


def test_a_corpus_without_lyrics_trains_an_audio_only_model(tmp_path):
    inputs = _corpus(tmp_path, lyric_tracks=())
    rows = _joint_rows_of(inputs)
    assert rows.lyric_dim == 0 and (rows.lyric_index == -1).all()
    config = JointBVAEConfig(latent_dim=LATENT, lyric_hidden=16, epochs=1, batch_size=4)
    fitted = _fit(config, inputs, seed=0)
    model = JointBetaVAE(config, **fitted.hparams["input"])
    assert fitted.hparams["input"]["lyric_dim"] == 0 and model.lyric_encoder is None
    model.load_state_dict(fitted.state)
    np.testing.assert_array_equal(encode_joint(model, rows, progress=False),
                                  encode_joint(model, rows, withhold_lyrics=True, progress=False))


def test_a_joint_model_without_its_lyrics_input_is_refused_by_name(tmp_path):
    inputs = _corpus(tmp_path)
    mels_only = ModelInputs(mels=inputs.mels, given=frozenset({"mels"}))
    with pytest.raises(InputError, match="joint_bvae model reads mels, lyrics; not given: lyrics"):
        _fit(JointBVAEConfig(latent_dim=LATENT, epochs=1, batch_size=4), mels_only, seed=0)


def test_loader_workers_read_the_same_joint_batches(tmp_path):
    inputs = _corpus(tmp_path)
    config = JointBVAEConfig(latent_dim=LATENT, lyric_hidden=16, epochs=1, batch_size=4)
    plain = _fit(config, inputs, seed=2)
    spawned = _fit(config, inputs, seed=2, loader_workers=1)
    assert [h.total for h in plain.history] == [h.total for h in spawned.history]


def test_the_lyric_decoders_variance_is_estimated_from_rows_with_lyrics_only():
    model = _model().train()
    mels, lyrics, has = _batch((1, 0, 1, 0))
    torch.manual_seed(0)
    model.loss((mels, lyrics, has))
    estimated = model.lyric_noise.variance.clone()
    # the rows without lyrics hold zeros: changing what their decoder would have to match changes nothing
    fresh = _model().train()
    torch.manual_seed(0)
    noisy = lyrics.clone()
    noisy[has == 0] = 100.0
    fresh.loss((mels, noisy, has))
    torch.testing.assert_close(fresh.lyric_noise.variance, estimated)
    assert float(estimated) > 0


def test_training_logs_each_experts_mean_precision_per_epoch():
    from musiclust.models.joint import joint_rows

    rng = np.random.default_rng(0)
    mels = rng.random((12, SIZE, SIZE)).astype(np.float32)
    ids = pd.Series([f"t{i // 3}" for i in range(12)])
    rows = joint_rows(mels, ids, pd.Series(["t0", "t1", "t2"]), rng.normal(size=(3, LYRIC_DIM)).astype(np.float32))
    history = train(_model(), rows, epochs=2, batch_size=4, lr=1e-3, seed=0, device=torch.device("cpu"),
                    progress=False)
    row = history[-1].row()
    assert row["audio_precision"] > 0 and row["lyric_precision"] > 0
    assert list(row)[:9] == ["epoch", "total", "reconstruction", "kl", "lr", "audio_precision", "lyric_precision",
                             "kl_dim_0", "kl_dim_1"][:9]


def test_the_decoders_variance_moves_once_a_step_by_the_joint_elbo():
    # The audio-only and lyric-only ELBOs score the same batch again: they must not move the
    # estimates a second time. Both models draw the joint ELBO's sample first, from the same seed.
    batch = _batch((1, 1, 0, 1))
    variances = {}
    for unimodal in (False, True):
        model = _model(unimodal_elbos=unimodal).train()
        torch.manual_seed(11)
        model.loss(batch)
        variances[unimodal] = (model.audio.noise.variance.clone(), model.lyric_noise.variance.clone())
    for alone, together in zip(variances[False], variances[True]):
        torch.testing.assert_close(alone, together, rtol=0, atol=0)


@pytest.mark.parametrize("bad", [-1, LATENT, 1.5])
def test_private_dim_out_of_range_is_refused_by_name(bad):
    with pytest.raises(ConfigError, match="m.private_dim"):
        JointBVAEConfig(latent_dim=LATENT, private_dim=bad).validate("m")


def test_private_codes_reach_their_own_decoder_only():
    private = 2
    model = _model(private_dim=private)
    shared = LATENT - private
    mels, lyrics, has = _batch((1, 0, 1, 1))
    with torch.no_grad():
        joint = model.encode_mean((mels, lyrics, has))
        audio = model.encode_audio_mean(mels)
        other = model.encode_mean((mels, lyrics + 3.0 * has[:, None], has))
    assert joint.shape == audio.shape == (4, LATENT)
    # The audio-private code is the audio encoder's whatever the lyrics; lyrics move the shared code only.
    torch.testing.assert_close(joint[:, shared:], audio[:, shared:])
    torch.testing.assert_close(other[:, shared:], joint[:, shared:])
    assert not torch.allclose(other[has == 1, :shared], joint[has == 1, :shared])
    model.train()
    out = model.loss((mels, lyrics, has))
    assert out["kl_dims"].shape == (LATENT + private,)
    assert all(torch.isfinite(v).all() for v in out.values())
    # The mel decoder's gradient never reaches the lyric expert's private outputs, nor the lyric
    # decoder's the audio expert's: score one reconstruction at a time through the joint ELBO.
    s, p = shared, private
    for modality in ("mels", "lyrics"):
        model.zero_grad()
        lyric = model._lyric_expert(lyrics)
        audio_expert = model.audio.encode(mels)
        audio_mu = audio_expert[0].detach().requires_grad_()
        lyric_mu = lyric[0].detach().requires_grad_()
        total = model._elbo(model._shared((audio_mu, audio_expert[1]), (lyric_mu, lyric[1]), has),
                            mels=mels if modality == "mels" else None,
                            lyrics=lyrics if modality == "lyrics" else None, has_lyrics=has, kl_weight=0.0,
                            kl_capacity=None, audio_private=model._private((audio_mu, audio_expert[1])),
                            lyric_private=model._private((lyric_mu, lyric[1]), has), update_noise=False)[0]
        total.backward()
        foreign = lyric_mu.grad[:, s:] if modality == "mels" else audio_mu.grad[:, s:]
        own = audio_mu.grad[:, s:] if modality == "mels" else lyric_mu.grad[has == 1, s:]
        assert torch.count_nonzero(foreign) == 0
        assert torch.count_nonzero(own) > 0
        assert own.shape[1] == p


def test_a_private_split_trains_saves_and_encodes(tmp_path):
    inputs = _corpus(tmp_path)
    fitted = _fit(JointBVAEConfig(latent_dim=LATENT, private_dim=1, beta=1.0, lyric_hidden=8, epochs=2,
                                  batch_size=4), inputs, seed=0)
    history = fitted.history_frame()
    assert [c for c in history.columns if c.startswith("kl_dim_")] == [f"kl_dim_{i}" for i in range(LATENT + 1)]
    path = save_model(tmp_path / "seed_0.pt", fitted)
    model, _ = load_model(path)
    latents = encode_seeds("joint_bvae", {0: model}, inputs, progress=False)
    assert latents[""][1].shape[1] == LATENT and latents["audio"][1].shape[1] == LATENT
