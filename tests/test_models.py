import numpy as np
import pytest
import torch

from musiclust import models as M
from musiclust.config import ConfigError, InputError
from musiclust.encode import encode
from musiclust.models.conv_bvae import ConvBetaVAE, ConvBVAEConfig
from musiclust.models.dense_ae import DenseAE, DenseAEConfig
from musiclust.models.dense_vae import DenseVAE, DenseVAEConfig
from musiclust.models.linear import PCAConfig
from musiclust.train import resolve_device, train


def _images(n=24, size=32, seed=0):
    # two families: horizontal stripes and vertical stripes, so there is something to learn
    rng = np.random.default_rng(seed)
    x = np.zeros((n, size, size), dtype=np.float32)
    for i in range(n):
        k = rng.integers(2, 6)
        stripes = (np.sin(np.arange(size) * k / 3.0) > 0).astype(np.float32)
        x[i] = stripes[:, None] if i % 2 else stripes[None, :]
    return x


def test_conv_bvae_shapes_and_loss_convention():
    torch.manual_seed(0)
    m = ConvBetaVAE(ConvBVAEConfig(latent_dim=8, beta=4.0, likelihood="sse"), image_size=32)
    x = torch.from_numpy(_images(4))
    mu, logvar = m.encode(x)
    assert mu.shape == (4, 8) and logvar.shape == (4, 8)
    assert m.decode(mu).shape == (4, 32, 32)
    out = m.loss(x)
    # total = reconstruction + beta * KL, each a per-sample sum (not a per-pixel mean)
    assert torch.isclose(out["total"], out["reconstruction"] + 4.0 * out["kl"])
    recon = m.reconstruct(x)
    assert out["reconstruction"].item() > 32 * 32 * 0.01  # summed over pixels
    assert float(((recon - x) ** 2).sum() / 4) == pytest.approx(out["reconstruction"].item(), rel=0.5)
    with pytest.raises(ValueError):
        ConvBetaVAE(image_size=30)


def test_calibrated_decoder_estimates_each_band_variance_and_weighs_the_error_by_it():
    torch.manual_seed(0)
    m = ConvBetaVAE(ConvBVAEConfig(latent_dim=8, beta=4.0), image_size=32)  # gaussian, per band: the default
    x = torch.from_numpy(_images(6))
    m.train()
    out = m.loss(x)
    # the first training batch sets each band's variance to its mean squared error over rows and frames
    torch.manual_seed(1)
    mu, logvar = m.encode(x)
    assert m.noise.variance.shape == (32,) and bool(m.noise.estimated)
    variance = m.noise.variance.clone()
    m.eval()  # fixed in eval mode: the same variance scores held-out rows
    torch.manual_seed(2)
    again = m.loss(x)
    assert torch.equal(m.noise.variance, variance)
    with torch.no_grad():
        recon = m.decode(mu)  # any reconstruction: the likelihood must match the formula on it
        nll = m.noise.nll(recon, x)
    squared = (recon - x).pow(2)
    expected = 0.5 * (squared / variance[None, :, None] + torch.log(2 * torch.pi * variance[None, :, None]))
    assert torch.allclose(nll, expected.flatten(1).sum(1), rtol=1e-5)
    # the total is that likelihood plus beta * KL; reconstruction stays the summed squared error
    with torch.no_grad():
        fixed = M.vae.beta_vae_loss(x, mu, logvar, lambda z: recon, beta=4.0, noise=m.noise)
    assert torch.isclose(fixed["total"], nll.mean() + 4.0 * fixed["kl"], rtol=1e-5)
    assert torch.isclose(fixed["reconstruction"], squared.flatten(1).sum(1).mean(), rtol=1e-5)
    assert not torch.isclose(again["total"], again["reconstruction"] + 4.0 * again["kl"])
    assert out["reconstruction"].item() > 0
    # a variance well below 1/2 weighs the squared error up, so the KL weighs relatively less
    assert float(variance.max()) < 0.5


def test_calibrated_variance_is_the_mean_squared_error_of_the_first_batch():
    noise = M.vae.DecoderNoise("gaussian", "band", bands=3)
    x = torch.zeros(4, 3, 5)
    recon = torch.ones(4, 3, 5) * torch.tensor([0.1, 0.2, 0.3])[None, :, None]
    noise.train()
    noise.nll(recon, x)
    assert torch.allclose(noise.variance, torch.tensor([0.01, 0.04, 0.09]))
    noise.nll(recon * 2, x)  # the next batch moves it by the momentum
    m = M.vae.DecoderNoise.MOMENTUM
    assert torch.allclose(noise.variance, (1 - m) * torch.tensor([0.01, 0.04, 0.09]) + m * torch.tensor([0.04, 0.16, 0.36]))
    whole = M.vae.DecoderNoise("gaussian", "global", bands=3)
    whole.train()
    whole.nll(recon, x)
    assert whole.variance.shape == (1,) and whole.variance.item() == pytest.approx((0.01 + 0.04 + 0.09) / 3)


def test_beta_in_both_conventions():
    # summed squared error is a Gaussian with variance 1/2: beta 4 on pixels of variance 0.02 is beta 100 calibrated
    assert M.vae.beta_conventions(4.0, "sse", 0.02) == pytest.approx({"beta_sse": 4.0, "beta_calibrated": 100.0})
    assert M.vae.beta_conventions(4.0, "gaussian", 0.02) == pytest.approx({"beta_sse": 0.16, "beta_calibrated": 4.0})


def test_bad_likelihood_settings_name_the_key():
    with pytest.raises(ConfigError, match="models.x.likelihood"):
        ConvBVAEConfig(likelihood="bernoulli").validate("models.x")
    with pytest.raises(ConfigError, match="models.x.decoder_variance"):
        ConvBVAEConfig(decoder_variance="pixel").validate("models.x")
    with pytest.raises(ConfigError, match="models.x.patience"):
        ConvBVAEConfig(patience=-1).validate("models.x")
    with pytest.raises(ConfigError, match="models.x.lr_schedule"):
        ConvBVAEConfig(lr_schedule="cosine").validate("models.x")


def test_kl_is_zero_for_standard_normal_posterior():
    m = ConvBetaVAE(ConvBVAEConfig(latent_dim=4), image_size=16)
    for p in (m.fc_mu, m.fc_logvar):
        torch.nn.init.zeros_(p.weight)
        torch.nn.init.zeros_(p.bias)
    assert m.loss(torch.rand(3, 16, 16))["kl"].item() == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("make", [lambda: ConvBetaVAE(ConvBVAEConfig(latent_dim=4, beta=1.0), image_size=16),
                                  lambda: DenseAE(DenseAEConfig(latent_dim=4, hidden_dim=32), image_size=16)])
def test_training_lowers_loss_and_is_deterministic(make):
    data = _images(16, size=16)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = make()
        hist = train(model, data, epochs=6, batch_size=8, lr=3e-3, seed=1,
                     device=torch.device("cpu"), progress=False)
        runs.append((hist, encode(model, data, progress=False)))
    hist, z = runs[0]
    assert hist[-1].total < hist[0].total
    assert [h.total for h in runs[0][0]] == [h.total for h in runs[1][0]]
    np.testing.assert_array_equal(z, runs[1][1])
    assert z.shape == (16, 4) and np.isfinite(z).all()


def test_kl_warmup_weights_first_epochs():
    data = _images(8)
    torch.manual_seed(0)
    m = ConvBetaVAE(ConvBVAEConfig(latent_dim=4, beta=4.0, likelihood="sse"), image_size=32)
    hist = train(m, data, epochs=2, batch_size=8, lr=1e-3, seed=0, device=torch.device("cpu"),
                 kl_warmup_epochs=4, progress=False)
    # epoch 1 weighs the KL by 1/4: total = rec + beta * 0.25 * kl
    assert hist[0].total == pytest.approx(hist[0].reconstruction + 4.0 * 0.25 * hist[0].kl, rel=1e-5)


def test_fit_save_load_roundtrip_weights_only(tmp_path):
    x = _images(6, size=16)
    config = DenseAEConfig(latent_dim=3, hidden_dim=8, epochs=1, batch_size=4)
    fitted = M.fit("dense_ae", config, x, seed=5, device=torch.device("cpu"), threads=1)
    assert fitted.hparams == {"config": {"lr": 1e-3, "batch_size": 4, "epochs": 1, "seeds": [0], "patience": 4,
                                         "lr_schedule": "plateau", "hidden_dim": 8, "latent_dim": 3,
                                         "input_scaling": "none"},
                              "input": {"image_size": 16}, "seed": 5}
    M.save_model(tmp_path / "m.pt", fitted)
    enc, kind = M.load_model(tmp_path / "m.pt")
    assert kind == "dense_ae" and enc.config == config
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    for name, tensor in payload["state"].items():
        torch.testing.assert_close(enc.state_dict()[name], tensor)
    assert fitted.summary()["parameters"] == sum(t.numel() for t in enc.parameters())


def test_fit_is_seeded():
    x = _images(8, size=16)
    config = ConvBVAEConfig(latent_dim=2, epochs=2, batch_size=4, seeds=[3, 4])
    a, b = (M.fit("conv_bvae", config, x, seed=3, device=torch.device("cpu"), threads=1) for _ in range(2))
    assert [h.total for h in a.history] == [h.total for h in b.history]
    other = M.fit("conv_bvae", config, x, seed=4, device=torch.device("cpu"), threads=1)
    assert [h.total for h in other.history] != [h.total for h in a.history]


def test_model_files_are_found_by_seed(tmp_path):
    for seed in (10, 2):
        (tmp_path / M.seed_file(seed)).write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not a model")
    assert list(M.model_files(tmp_path)) == [2, 10]  # numeric order, not text order
    with pytest.raises(ValueError, match="seed_x.pt"):
        M.seed_of("seed_x.pt")
    with pytest.raises(FileNotFoundError, match="no trained models"):
        M.model_files(tmp_path / "empty")


def test_pca_reports_the_variance_it_keeps_without_projecting(tmp_path):
    x = _images(20, size=16)
    fitted = M.fit("pca", PCAConfig(n_components=5), x, seed=0, device=torch.device("cpu"))
    M.save_model(tmp_path / "p.pt", fitted)
    enc, kind = M.load_model(tmp_path / "p.pt")
    z = enc(x)
    assert kind == "pca" and z.shape == (20, 5)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-4)  # centred projection
    flat = x.reshape(20, -1)
    recon = z @ fitted.state["components"] + fitted.state["mean"]
    error = float(((recon - flat) ** 2).sum(axis=1).mean())  # what the projection would measure
    summary = fitted.summary()
    assert summary["final_reconstruction"] == pytest.approx(error, rel=1e-4)
    assert summary["explained_variance"] == pytest.approx(z.var(axis=0).sum() / flat.var(axis=0).sum(), rel=1e-4)
    assert 0 < summary["explained_variance"] < 1


def test_unknown_kind_is_named():
    with pytest.raises(ValueError, match="'vq_vae'.*conv_bvae"):
        M.fit("vq_vae", PCAConfig(), _images(4), seed=0, device=torch.device("cpu"))


def test_device_resolution():
    assert resolve_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu")
    assert resolve_device("auto").type == expected
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            resolve_device("cuda:0")


def test_dense_vae_on_clip_statistics():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, size=(3, 43))
    x = (centres[np.arange(60) % 3] + rng.normal(0, 0.5, size=(60, 43))).astype(np.float32)
    x = (x - x.mean(0)) / x.std(0)
    torch.manual_seed(0)
    m = DenseVAE(DenseVAEConfig(latent_dim=4, beta=1.0, likelihood="sse"), n_features=43)
    out = m.loss(torch.from_numpy(x[:8]))
    assert torch.isclose(out["total"], out["reconstruction"] + out["kl"])
    hist = train(m, x, epochs=30, batch_size=16, lr=3e-3, seed=0, device=torch.device("cpu"), progress=False)
    assert hist[-1].reconstruction < 0.7 * hist[0].reconstruction
    z = encode(m, x, progress=False)
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    labels = KMeans(3, n_init=5, random_state=0).fit_predict(z)
    assert adjusted_rand_score(np.arange(60) % 3, labels) > 0.9
    # a trailing batch of one sample is skipped rather than breaking BatchNorm
    train(m, x[:17], epochs=1, batch_size=16, lr=1e-3, seed=0, device=torch.device("cpu"), progress=False)


def test_saved_model_bytes_do_not_depend_on_the_file_name(tmp_path):
    fitted = M.fit("dense_ae", DenseAEConfig(latent_dim=3, hidden_dim=8, epochs=1, batch_size=4), _images(4, size=16),
                   seed=0, device=torch.device("cpu"), threads=1)
    M.save_model(tmp_path / "a.pt", fitted)
    M.save_model(tmp_path / "b.pt", fitted)
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()


def test_pca_beyond_max_fit_chunks_fits_a_seeded_sample_read_in_place(tmp_path):
    from musiclust.arrays import seeded_rows

    x = _images(40, size=16)
    rows = seeded_rows(40, 12, seed=3)
    assert len(rows) == 12 and np.all(np.diff(rows) > 0)
    assert seeded_rows(40, 40, seed=3) is None
    poisoned = x.copy()
    poisoned[np.setdiff1d(np.arange(40), rows)] = np.nan  # a fit that read any other row would be NaN
    np.save(tmp_path / "mels.npy", poisoned)
    mapped = np.load(tmp_path / "mels.npy", mmap_mode="r")
    sampled = M.fit("pca", PCAConfig(n_components=5, max_fit_chunks=12), mapped, seed=3, device=torch.device("cpu"))
    on_sample = M.fit("pca", PCAConfig(n_components=5), x[rows], seed=3, device=torch.device("cpu"))
    assert sampled.summary()["fit_chunks"] == 12 and on_sample.summary()["fit_chunks"] == 12
    for name in ("mean", "components"):
        np.testing.assert_array_equal(sampled.state[name], on_sample.state[name])
    with pytest.raises(ValueError, match="max_fit_chunks"):
        PCAConfig(n_components=5, max_fit_chunks=4).validate("models.pca")


def test_pca_refuses_more_components_than_the_data_allow():
    with pytest.raises(ValueError, match="n_components = 30 is more than the data allow: 20 rows"):
        M.fit("pca", PCAConfig(n_components=30), _images(20, size=16), seed=0, device=torch.device("cpu"))


def test_kl_schedule_weight_and_capacity_per_epoch():
    from musiclust.train import KLSchedule

    schedule = KLSchedule(warmup_epochs=4, capacity=20.0, capacity_epochs=5)
    assert [schedule.weight(e) for e in (1, 2, 4, 9)] == [0.25, 0.5, 1.0, 1.0]
    assert [schedule.target(e) for e in (1, 5, 8)] == [4.0, 20.0, 20.0]
    assert KLSchedule().target(3) is None and KLSchedule(capacity=7.0).target(1) == 7.0
    assert ConvBVAEConfig(kl_capacity=3.0, kl_capacity_epochs=2).kl_schedule() == KLSchedule(0, 3.0, 2)


def test_capacity_loss_is_beta_times_distance_to_capacity_and_history_has_kl_per_dim():
    from musiclust.train import KLSchedule

    data = _images(8)
    torch.manual_seed(0)
    m = ConvBetaVAE(ConvBVAEConfig(latent_dim=4, beta=4.0, likelihood="sse"), image_size=32)
    hist = train(m, data, epochs=2, batch_size=8, lr=1e-3, seed=0, device=torch.device("cpu"),
                 kl=KLSchedule(capacity=50.0, capacity_epochs=2), progress=False)
    # epoch 1: C = 25 nats, far above the KL, so the KL term is beta * (25 - KL), not beta * KL
    assert hist[0].kl < 25
    assert hist[0].total == pytest.approx(hist[0].reconstruction + 4.0 * (25.0 - hist[0].kl), rel=1e-5)
    assert len(hist[0].kl_dims) == 4 and sum(hist[0].kl_dims) == pytest.approx(hist[0].kl, rel=1e-5)
    row = hist[-1].row()
    assert [k for k in row if k.startswith("kl_dim_")] == ["kl_dim_0", "kl_dim_1", "kl_dim_2", "kl_dim_3"]


def test_kl_capacity_settings_are_checked():
    with pytest.raises(ConfigError, match="m.kl_capacity"):
        ConvBVAEConfig(kl_capacity=-1.0).validate("m")


def test_autoencoder_history_has_no_kl_columns():
    fitted = M.fit("dense_ae", DenseAEConfig(latent_dim=2, hidden_dim=4, epochs=1, batch_size=4), _images(6, size=8),
                   seed=0, device=torch.device("cpu"), threads=1)
    assert list(fitted.history_frame().columns) == ["epoch", "total", "reconstruction", "kl", "lr"]


def test_every_kl_controlled_kind_shares_one_settings_base():
    from musiclust.models.joint import JointBVAEConfig
    from musiclust.models.vae import KLConfig

    kl_fields = ("latent_dim", "beta", "kl_warmup_epochs", "kl_capacity", "kl_capacity_epochs")
    for config in (ConvBVAEConfig, DenseVAEConfig, JointBVAEConfig):
        assert issubclass(config, KLConfig)
        with pytest.raises(ConfigError, match=r"m\.kl_capacity_epochs: must be >= 0"):
            config(kl_capacity_epochs=-1).validate("m")
    assert not issubclass(DenseAEConfig, KLConfig)
    # the study's defaults stay each model's own
    assert (ConvBVAEConfig().beta, DenseVAEConfig().beta, DenseVAEConfig().latent_dim) == (4.0, 1.0, 32)
    assert {f: getattr(JointBVAEConfig(beta=2.0, kl_warmup_epochs=3), f) for f in kl_fields}["kl_warmup_epochs"] == 3


def test_every_kind_declares_known_inputs_and_what_it_trains():
    for name, entry in M.KINDS.items():
        assert entry.inputs and set(entry.inputs) <= set(M.INPUTS), name
        assert entry.trains == (entry.fit is not None) and (entry.load is None) == (not entry.trains), name
    assert M.KINDS["joint_bvae"].inputs == ("mels", "lyrics") and M.KINDS["joint_bvae"].views == ("", "audio")
    assert M.KINDS["dense_vae"].inputs == ("clipstats",) and not M.KINDS["sentence_embedding"].trains


class _MeanCodeConfig:
    """A toy kind's settings: its code is each row's mean over pixels, scaled."""

    def __init__(self, scale: float = 1.0, seeds=(0,)):
        self.scale, self.seeds = scale, list(seeds)


def test_a_new_kind_is_one_registry_entry(tmp_path, monkeypatch):
    """A toy kind registered with one line trains, saves, loads and encodes through the same
    functions the stages call, with keys and the seed column."""
    import pandas as pd

    from musiclust.representations import Features
    from musiclust.train import EpochStats

    def fit_toy(cfg, inputs, device, seed, **runtime):
        scale = np.float32(cfg.scale * (seed + 1))
        return ({"config": {"scale": cfg.scale}, "input": {}, "seed": seed}, {"scale": torch.tensor(scale)},
                [EpochStats(1, 0.0, 0.0, 0.0)], {"scale": float(scale)})

    def load_toy(hparams, state):
        scale = float(state["scale"])
        return lambda images: np.asarray(images, dtype=np.float32).reshape(len(images), -1).mean(1, keepdims=True) * scale

    monkeypatch.setitem(M.KINDS, "toy", M.Kind(_MeanCodeConfig, ("mels",), M.KINDS["pca"].encode, fit_toy, load_toy))
    images = np.arange(4 * 2 * 2, dtype=np.float32).reshape(4, 2, 2)
    keys = pd.DataFrame({"track_id": ["a", "a", "b", "b"], "chunk": [0, 1, 0, 1]})
    inputs = M.ModelInputs(mels=Features(keys, images, "chunk"), given=frozenset({"mels"}))
    for seed in (0, 1):
        fitted = M.fit("toy", _MeanCodeConfig(scale=2.0), inputs, seed=seed, device=torch.device("cpu"))
        M.save_model(tmp_path / "toy" / M.seed_file(seed), fitted)
    kind, models = M.load_models(tmp_path / "toy")
    assert kind == "toy" and sorted(models) == [0, 1]
    (table, codes), = M.encode_seeds(kind, models, inputs, progress=False).values()
    means = images.reshape(4, -1).mean(1)
    seed1 = (table["seed"] == 1).to_numpy()
    chunk = (table["level"] == "chunk").to_numpy()
    np.testing.assert_allclose(codes[~seed1 & chunk, 0], means * 2.0)
    np.testing.assert_allclose(codes[seed1 & chunk, 0], means * 4.0)
    np.testing.assert_allclose(codes[seed1 & ~chunk, 0], [means[:2].mean() * 4.0, means[2:].mean() * 4.0])
    with pytest.raises(InputError, match="toy model reads mels; not given: mels"):
        M.fit("toy", _MeanCodeConfig(), M.ModelInputs(), seed=0, device=torch.device("cpu"))


def test_the_report_figure_reconstructions_come_from_the_model(tmp_path):
    from musiclust.representations import Features

    images = np.random.default_rng(0).random((10, 16, 16), dtype=np.float32)
    model = M.load_model(M.save_model(tmp_path / "m.pt", M.fit(
        "conv_bvae", ConvBVAEConfig(latent_dim=2, epochs=1, batch_size=5), images, seed=0,
        device=torch.device("cpu"))))[0]
    frame, recon = M.reconstruction_table(model, Features(None, images, "chunk"), 3, seed=4)
    assert frame["row"].tolist() == [0, 4, 9] and set(frame["seed"]) == {4}
    with torch.no_grad():
        expected = model.reconstruct(torch.from_numpy(images[[0, 4, 9]])).numpy()
    np.testing.assert_array_equal(recon, expected.reshape(3, -1))
    pca = M.load_model(M.save_model(tmp_path / "p.pt", M.fit("pca", M.KINDS["pca"].config(n_components=2), images,
                                                             seed=0, device=torch.device("cpu"))))[0]
    frame, recon = M.reconstruction_table(pca, Features(None, images, "chunk"), 3, seed=0)
    assert len(frame) == 0 and recon.shape == (0, 256)  # PCA's encoder projects only: no figure


def test_training_stops_on_a_validation_plateau_and_halves_the_rate_before_it():
    from musiclust.train import Stopping, stop_reason

    data = _images(8, size=8)
    cpu = torch.device("cpu")

    def run(stopping, epochs=50, **kl):
        torch.manual_seed(0)
        model = ConvBetaVAE(ConvBVAEConfig(latent_dim=2, beta=1.0), image_size=8)
        # a rate this small cannot improve the loss by 0.1%: every epoch after the first is on a plateau
        return train(model, data, epochs=epochs, batch_size=4, lr=1e-12, seed=0, device=cpu, validation=data,
                     stopping=stopping, progress=False, **kl)

    hist = run(Stopping(patience=4, lr_schedule="plateau"))
    assert len(hist) == 5 and stop_reason(hist, 50) == "plateau"  # the best, then four epochs without improvement
    assert [h.lr for h in hist] == [1e-12, 1e-12, 1e-12, 5e-13, 5e-13]  # halved after two without improvement
    assert "lr" in hist[0].row()
    constant = run(Stopping(patience=4, lr_schedule="constant"))
    assert len(constant) == 5 and {h.lr for h in constant} == {1e-12}
    capped = run(Stopping(patience=0, lr_schedule="constant"), epochs=7)
    assert len(capped) == 7 and stop_reason(capped, 7) == "cap"
    # no epoch counts while the KL weight still rises: the loss it is judged on moves by design
    warm = run(Stopping(patience=2, lr_schedule="constant"), kl_warmup_epochs=5)
    assert len(warm) == 5 + 1 + 2


def test_fit_summary_reports_the_stop_the_held_out_error_and_beta_in_both_conventions():
    x = _images(12, size=16)
    config = ConvBVAEConfig(latent_dim=3, epochs=2, batch_size=4, beta=2.0, seeds=[0])
    fitted = M.fit("conv_bvae", config, x[:8], validation=x[8:], seed=0, device=torch.device("cpu"), threads=1)
    summary = fitted.summary()
    assert summary["stopped"] == "cap" and summary["epochs"] == 2
    kept = fitted.history[summary["best_epoch"] - 1]
    assert summary["validation_reconstruction"] == kept.validation[1]
    variance = summary["decoder_variance"]
    assert 0 < variance < 1 and summary["beta_calibrated"] == 2.0
    assert summary["beta_sse"] == pytest.approx(2.0 * 2 * variance)
    pca = M.fit("pca", PCAConfig(n_components=3), x[:8], validation=x[8:], seed=0, device=torch.device("cpu"))
    # PCA's held-out error: what its components leave of the validation chunks
    state = pca.state
    flat = x[8:].reshape(4, -1) - state["mean"]
    codes = flat @ state["components"].T
    expected = float(((flat - codes @ state["components"]) ** 2).sum(1).mean())
    assert pca.summary()["validation_reconstruction"] == pytest.approx(expected, rel=1e-4)


def test_band_scaling_standardises_what_the_encoder_sees_by_the_training_rows():
    rng = np.random.default_rng(0)
    data = (rng.normal(size=(10, 8, 8)) * np.arange(1, 9)[None, :, None] + np.arange(8)[None, :, None]).astype(np.float32)
    config = ConvBVAEConfig(latent_dim=2, epochs=1, batch_size=5, input_scaling="band", seeds=[0])
    fitted = M.fit("conv_bvae", config, data, seed=0, device=torch.device("cpu"), threads=1)
    mean, scale = fitted.state["scaling.mean"].numpy(), fitted.state["scaling.scale"].numpy()
    np.testing.assert_allclose(mean, data.mean(axis=(0, 2)), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(scale, data.std(axis=(0, 2)), rtol=1e-5)
    model = ConvBetaVAE(config, image_size=8)
    model.load_state_dict(fitted.state)
    scaled = model.scaling(torch.from_numpy(data))
    assert abs(float(scaled.mean())) < 1e-5 and float(scaled.std()) == pytest.approx(1.0, rel=0.05)
    # the same weights with the scaling off encode differently: the encoder reads the standardised input
    plain = ConvBetaVAE(ConvBVAEConfig(latent_dim=2), image_size=8)
    plain.load_state_dict(fitted.state)
    x = torch.from_numpy(data[:3])
    assert not torch.allclose(plain.encode_mean(x), model.eval().encode_mean(x))
    off = M.fit("dense_ae", DenseAEConfig(latent_dim=2, hidden_dim=4, epochs=1, batch_size=5), data, seed=0,
                device=torch.device("cpu"), threads=1)
    assert float(off.state["scaling.mean"].abs().sum()) == 0.0  # none: nothing fitted, nothing applied
    with pytest.raises(ConfigError, match="models.x.input_scaling"):
        ConvBVAEConfig(input_scaling="pixel").validate("models.x")
