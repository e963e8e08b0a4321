"""Tests for musiclust.plots: valid, non-blank, deterministic, atomically written PNGs that draw
the numbers they were given (read back from the artists of the figures they save)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.figure
import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer, ErrorbarContainer

from musiclust import plots
from musiclust.plots.embedding import _abs_corr
from musiclust.plots.scores import _metric_ylim
from musiclust.plots.style import _time_axis_label

SR = 22050
HOP = 512


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def assert_png(path: Path, *, min_colours: int = 20) -> np.ndarray:
    """The file is a real, non-blank PNG and no temporary file is left over."""
    path = Path(path)
    assert path.is_file(), path
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"Software" not in raw  # no version / timestamp metadata
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[2] in (3, 4)
    h, w = img.shape[:2]
    assert h >= 200 and w >= 200
    pixels = img[..., :3].reshape(-1, 3)
    assert pixels.std(axis=0).max() > 0.02, "image is (nearly) a single colour"
    rgb = np.round(pixels * 255).astype(np.uint32)
    colours = np.unique((rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2])
    assert len(colours) >= min_colours, f"only {len(colours)} colours"
    leftovers = [p.name for p in path.parent.iterdir() if ".tmp" in p.name]
    assert leftovers == []
    return img


def assert_deterministic(fn, tmp_path: Path, name: str = "fig.png") -> Path:
    """Two calls with the same inputs give identical bytes; returns the path."""
    first = fn(tmp_path / "a" / name)
    second = fn(tmp_path / "b" / name)
    assert isinstance(first, Path) and isinstance(second, Path)
    assert first == tmp_path / "a" / name
    assert first.read_bytes() == second.read_bytes()
    # overwriting an existing file in place gives the same bytes again
    third = fn(first)
    assert third.read_bytes() == second.read_bytes()
    return first


@pytest.fixture
def drawn(monkeypatch) -> list:
    """The figures the plot functions save, in order: what they drew, read back from their artists."""
    figures = []
    real_savefig = matplotlib.figure.Figure.savefig

    def recording(self, *args, **kwargs):
        figures.append(self)
        return real_savefig(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", recording)
    return figures


def plot_axes(figure) -> list:
    """The figure's panels, without its colour bars."""
    return [ax for ax in figure.axes if ax.get_label() != "<colorbar>"]


def mesh_values(ax) -> np.ndarray:
    """The array a spectrogram panel shows (librosa draws it as a QuadMesh)."""
    (mesh,) = ax.collections
    return np.asarray(mesh.get_array())


def bars(ax) -> dict[str, BarContainer]:
    """Each bar series of a panel by its legend label."""
    return {c.get_label(): c for c in ax.containers if isinstance(c, BarContainer)}


def dotted(ax) -> list:
    """A panel's dotted line collections (``hlines`` with ``linestyles=":"``)."""
    return [lines for lines in ax.collections if lines.get_linestyle()[0][1] is not None]


def error_spans(ax) -> list[float]:
    """The heights of a panel's error bars, sorted."""
    return sorted(float(np.ptp(segment[:, 1])) for c in ax.containers if isinstance(c, ErrorbarContainer)
                  for segment in c.lines[2][0].get_segments())


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="module")
def mels(rng):
    """Smooth, structured fake log-mel chunks (n, 128, 128) in [0, 1]."""
    f = np.linspace(0, 1, 128)[:, None]
    t = np.linspace(0, 1, 128)[None, :]
    base = [
        np.exp(-((f - 0.2) ** 2) / 0.01) * (0.5 + 0.5 * np.sin(12 * np.pi * t)),
        np.exp(-((f - 0.5) ** 2) / 0.02) * np.ones_like(t),
        (1 - f) * (t > 0.5),
    ]
    out = np.stack([np.clip(b + 0.05 * rng.random((128, 128)), 0, 1) for b in base])
    return out.astype(np.float32)


@pytest.fixture(scope="module")
def history():
    e = np.arange(1, 16)
    return pd.DataFrame(
        {
            "epoch": e,
            "total": 2.0 * np.exp(-e / 4) + 1.0,
            "reconstruction": 2.0 * np.exp(-e / 4) + 0.7,
            "kl": 0.3 * (1 - np.exp(-e / 3)),
        }
    )


@pytest.fixture(scope="module")
def metric_table():
    return pd.DataFrame(
        {
            "representation": ["audio", "audio", "lyrics", "lyrics", "multimodal", "multimodal"],
            "metric": ["NMI", "ARI"] * 3,
            "value": [0.41, -0.08, 0.22, 0.05, 0.63, 0.37],
            "ci95": [0.04, 0.03, np.nan, 0.02, 0.05, np.nan],
        }
    )


@pytest.fixture(scope="module")
def tracks(rng):
    n = 60
    return pd.DataFrame(
        {
            "track_id": [f"t{i:03d}" for i in range(n)],
            "language": rng.choice(["english", "spanish", "french"], n),
            "genre": rng.choice(["rock", "pop", "jazz", "hiphop"], n),
        }
    )


# --------------------------------------------------------------------------
# atomic writing
# --------------------------------------------------------------------------
def test_creates_missing_parent_dirs_and_accepts_str(tmp_path, history):
    target = tmp_path / "deep" / "er" / "loss.png"
    out = plots.plot_loss_curves(history, str(target), title="loss")
    assert out == target and isinstance(out, Path)
    assert_png(target)


def test_failed_save_leaves_no_partial_or_temp_file(tmp_path, history, monkeypatch):
    real_savefig = matplotlib.figure.Figure.savefig

    def broken(self, fname, *args, **kwargs):
        real_savefig(self, fname, *args, **kwargs)  # the temp file gets written ...
        raise OSError("disk full")  # ... then something goes wrong

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", broken)
    target = tmp_path / "loss.png"
    with pytest.raises(OSError, match="disk full"):
        plots.plot_loss_curves(history, target, title="loss")
    assert list(tmp_path.iterdir()) == []


def test_failed_save_keeps_previous_file_intact(tmp_path, history, monkeypatch):
    target = tmp_path / "loss.png"
    plots.plot_loss_curves(history, target, title="loss")
    before = target.read_bytes()

    def broken(self, fname, *args, **kwargs):
        Path(fname).write_bytes(b"partial")
        raise OSError("boom")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", broken)
    with pytest.raises(OSError):
        plots.plot_loss_curves(history, target, title="other")
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["loss.png"]


# --------------------------------------------------------------------------
# plot_loss_curves
# --------------------------------------------------------------------------
def test_loss_curves(tmp_path, history, drawn):
    out = assert_deterministic(
        lambda p: plots.plot_loss_curves(history, p, title="beta-VAE training"), tmp_path
    )
    img = assert_png(out)
    assert img.shape[1] > 2 * img.shape[0]  # three panels side by side
    figure = drawn[0]
    assert figure.get_suptitle() == "beta-VAE training"
    panels = plot_axes(figure)
    assert [ax.get_title() for ax in panels] == [
        f"total loss (final: {history['total'].iloc[-1]:.4g})",
        f"reconstruction (final: {history['reconstruction'].iloc[-1]:.4g})",
        f"KL divergence (final: {history['kl'].iloc[-1]:.4g})"]
    for ax, column in zip(panels, ["total", "reconstruction", "kl"]):
        (line,) = ax.get_lines()
        np.testing.assert_array_equal(line.get_xdata(), history["epoch"])
        np.testing.assert_allclose(line.get_ydata(), history[column])
    assert len({tuple(ax.get_lines()[0].get_color()) for ax in panels}) == 3  # one run: a colour per panel

    # different data -> different picture
    other = history.assign(kl=history["kl"] * 3)
    p2 = plots.plot_loss_curves(other, tmp_path / "other.png", title="beta-VAE training")
    assert p2.read_bytes() != out.read_bytes()


def test_loss_curves_unsorted_and_single_epoch(tmp_path, history, drawn):
    shuffled = history.sample(frac=1.0, random_state=0)
    a = plots.plot_loss_curves(history, tmp_path / "sorted.png", title="t")
    b = plots.plot_loss_curves(shuffled, tmp_path / "shuffled.png", title="t")
    assert a.read_bytes() == b.read_bytes()
    (kl_line,) = plot_axes(drawn[1])[2].get_lines()  # the shuffled rows, drawn in epoch order
    np.testing.assert_array_equal(kl_line.get_xdata(), np.arange(1, 16))
    np.testing.assert_allclose(kl_line.get_ydata(), history["kl"])
    assert_png(plots.plot_loss_curves(history.iloc[:1], tmp_path / "one.png", title="t"), min_colours=5)


def test_loss_curves_one_line_per_seed_and_dashed_validation(tmp_path, history, drawn):
    seeds = pd.concat([history.assign(seed=0), history.assign(seed=1, total=2 * history["total"])])
    seeds["validation_total"] = seeds["total"] + 0.1
    plots.plot_loss_curves(seeds, tmp_path / "seeds.png", title="t")
    total, reconstruction, _ = plot_axes(drawn[0])
    lines = total.get_lines()
    assert [line.get_label() for line in lines] == ["seed 0", "seed 0 validation", "seed 1", "seed 1 validation"]
    assert [line.get_linestyle() for line in lines] == ["-", "--", "-", "--"]
    np.testing.assert_allclose(lines[2].get_ydata(), 2 * history["total"])
    np.testing.assert_allclose(lines[3].get_ydata(), 2 * history["total"] + 0.1)
    final = history["total"].iloc[-1]
    assert total.get_title() == f"total loss (final: {final:.4g}/{2 * final:.4g})"
    # several seeds: a colour per seed, the same in every panel
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    assert [line.get_color() for line in reconstruction.get_lines()] == [lines[0].get_color(), lines[2].get_color()]


def test_loss_curves_missing_column(tmp_path, history):
    with pytest.raises(ValueError, match="kl"):
        plots.plot_loss_curves(history.drop(columns="kl"), tmp_path / "x.png", title="t")
    assert not (tmp_path / "x.png").exists()


# --------------------------------------------------------------------------
# tsne_2d
# --------------------------------------------------------------------------
def _blobs(rng, n_per=25, dim=12, gap=12.0):
    a = rng.normal(0.0, 1.0, (n_per, dim))
    b = rng.normal(0.0, 1.0, (n_per, dim))
    b[:, 0] += gap
    x = np.vstack([a, b])
    y = np.repeat([0, 1], n_per)
    return x, y


def test_tsne_shape_dtype_determinism_and_separation(rng):
    x, y = _blobs(rng)
    z1 = plots.tsne_2d(x, seed=7)
    z2 = plots.tsne_2d(x, seed=7)
    assert z1.shape == (len(x), 2)
    assert z1.dtype == np.float32
    assert np.all(np.isfinite(z1))
    np.testing.assert_array_equal(z1, z2)

    # leave-one-out 1-NN in the 2-D embedding recovers the blobs
    d = np.linalg.norm(z1[:, None, :] - z1[None, :, :], axis=-1)
    np.fill_diagonal(d, np.inf)
    nn = d.argmin(axis=1)
    assert np.mean(y[nn] == y) == 1.0
    # and the blobs are far apart relative to their spread
    c0, c1 = z1[y == 0].mean(0), z1[y == 1].mean(0)
    spread = max(z1[y == 0].std(0).max(), z1[y == 1].std(0).max())
    assert np.linalg.norm(c0 - c1) > 3 * spread


def test_tsne_small_n(rng):
    x = rng.normal(size=(5, 4))
    z = plots.tsne_2d(x, seed=0)
    assert z.shape == (5, 2) and z.dtype == np.float32
    assert np.all(np.isfinite(z))
    np.testing.assert_array_equal(z, plots.tsne_2d(x, seed=0))
    # a larger requested perplexity is clamped, not an error
    z_big = plots.tsne_2d(x, seed=0, perplexity=50.0)
    np.testing.assert_array_equal(z, z_big)


def test_tsne_rejects_bad_input():
    with pytest.raises(ValueError):
        plots.tsne_2d(np.zeros(10), seed=0)
    with pytest.raises(ValueError):
        plots.tsne_2d(np.array([[np.nan, 1.0]] * 6), seed=0)


# --------------------------------------------------------------------------
# plot_embedding
# --------------------------------------------------------------------------
def test_embedding(tmp_path, rng, tracks, drawn):
    n = len(tracks)
    coords = rng.normal(size=(n, 2)).astype(np.float32)
    colour_by = {"language": list(tracks["language"]), "genre": list(tracks["genre"])}
    out = assert_deterministic(
        lambda p: plots.plot_embedding(coords, colour_by, p, title="latent t-SNE"), tmp_path
    )
    figure = drawn[0]
    assert figure.get_suptitle() == f"latent t-SNE  (N = {n})"
    panels = plot_axes(figure)
    assert [ax.get_title() for ax in panels] == ["coloured by language", "coloured by genre"]
    for ax, column in zip(panels, ["language", "genre"]):
        labels = tracks[column].to_numpy()
        categories = sorted(set(labels))  # sorted, so that colours are stable
        assert [text.get_text() for text in ax.get_legend().get_texts()] == [
            f"{category} ({(labels == category).sum()})" for category in categories]
        for points, category in zip(ax.collections, categories, strict=True):
            np.testing.assert_allclose(points.get_offsets(), coords[labels == category])
        assert len({tuple(points.get_facecolor()[0]) for points in ax.collections}) == len(categories)
    two = assert_png(out)
    one = assert_png(
        plots.plot_embedding(coords, {"genre": colour_by["genre"]}, tmp_path / "one.png", title="t")
    )
    assert two.shape[1] > 1.5 * one.shape[1]  # one panel per entry of colour_by


def test_embedding_many_and_missing_labels(tmp_path, rng, drawn):
    n = 120
    coords = rng.normal(size=(n, 2))
    labels = [f"g{i % 25}" for i in range(n)]
    labels[3] = None
    labels[4] = float("nan")
    assert_png(plots.plot_embedding(coords, {"genre": labels}, tmp_path / "many.png", title="t"))
    (ax,) = plot_axes(drawn[0])
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert len(ax.collections) == 26 and {"unknown (2)", "g3 (4)", "g5 (5)", "g24 (4)"} <= set(legend)
    np.testing.assert_allclose(ax.collections[legend.index("unknown (2)")].get_offsets(), coords[[3, 4]])
    # over 20 categories, markers tell apart those that share a colour
    assert len({points.get_paths()[0].vertices.tobytes() for points in ax.collections}) > 1


def test_embedding_rejects_mismatch(tmp_path, rng):
    with pytest.raises(ValueError):
        plots.plot_embedding(rng.normal(size=(10, 2)), {"genre": ["a"] * 9}, tmp_path / "x.png", title="t")
    with pytest.raises(ValueError):
        plots.plot_embedding(rng.normal(size=(10, 3)), {"genre": ["a"] * 10}, tmp_path / "x.png", title="t")


# --------------------------------------------------------------------------
# spectrograms
# --------------------------------------------------------------------------
def test_reconstructions(tmp_path, mels, rng, drawn):
    recon = np.clip(mels + 0.1 * rng.normal(size=mels.shape), 0, 1).astype(np.float32)
    out = assert_deterministic(
        lambda p: plots.plot_reconstructions(
            mels,
            recon,
            p,
            sample_rate=SR,
            hop_length=HOP,
            title="reconstructions",
            captions=["rock / en", "pop / es", "jazz / fr"],
        ),
        tmp_path,
    )
    img = assert_png(out)
    assert img.shape[1] > img.shape[0]  # three columns, two rows
    panels = np.array(plot_axes(drawn[0])).reshape(2, 3)
    for j in range(3):
        np.testing.assert_array_equal(mesh_values(panels[0, j]), mels[j])
        np.testing.assert_array_equal(mesh_values(panels[1, j]), recon[j])
        assert panels[1, j].get_title() == f"MSE = {np.mean((mels[j] - recon[j]) ** 2):.4f}"
    assert [ax.get_title() for ax in panels[0]] == ["rock / en", "pop / es", "jazz / fr"]


def test_reconstructions_single_column_no_captions(tmp_path, mels, drawn):
    out = plots.plot_reconstructions(
        mels[:1], mels[:1], tmp_path / "one.png", sample_rate=SR, hop_length=HOP, title="one"
    )
    assert_png(out)
    original, reconstruction = plot_axes(drawn[0])
    assert original.get_title() == "example 1" and reconstruction.get_title() == "MSE = 0.0000"


def test_reconstructions_rejects_bad_shapes(tmp_path, mels):
    with pytest.raises(ValueError):
        plots.plot_reconstructions(
            mels, mels[:2], tmp_path / "x.png", sample_rate=SR, hop_length=HOP, title="t"
        )
    with pytest.raises(ValueError):
        plots.plot_reconstructions(
            mels, mels, tmp_path / "x.png", sample_rate=SR, hop_length=HOP, title="t", captions=["a"]
        )


def test_spectrogram(tmp_path, mels, drawn):
    out = assert_deterministic(
        lambda p: plots.plot_spectrogram(mels[0], p, sample_rate=SR, hop_length=HOP, title="chunk"),
        tmp_path,
    )
    assert_png(out)
    (ax,) = plot_axes(drawn[0])
    np.testing.assert_array_equal(mesh_values(ax), mels[0])
    assert ax.get_title() == "chunk" and ax.get_xlabel() == "time (s)"
    # 128 frames of 512 samples at 22,050 Hz: the time axis ends near 2.97 s
    assert ax.get_xlim()[1] == pytest.approx(128 * HOP / SR, rel=0.01)
    # non-square chunk and another sample rate
    other = plots.plot_spectrogram(
        mels[1][:, :64], tmp_path / "short.png", sample_rate=16000, hop_length=256, title="short"
    )
    assert_png(other)
    assert other.read_bytes() != out.read_bytes()
    with pytest.raises(ValueError):
        plots.plot_spectrogram(mels, tmp_path / "x.png", sample_rate=SR, hop_length=HOP, title="t")


def test_time_axis_label_matches_duration():
    assert _time_axis_label(128, 22050, 512) == "time (s)"  # ~3 s
    assert _time_axis_label(10, 22050, 512) == "time (ms)"  # ~0.23 s
    assert _time_axis_label(5000, 22050, 512) == "time (m:ss)"  # ~116 s


# --------------------------------------------------------------------------
# plot_confusion
# --------------------------------------------------------------------------
def test_confusion(tmp_path, drawn):
    m = np.array([[12, 3, 0, 1], [2, 20, 4, 0], [0, 1, 9, 7]])
    out = assert_deterministic(
        lambda p: plots.plot_confusion(
            m, ["english", "spanish", "french"], ["0", "1", "2", "3"], p, title="language vs cluster"
        ),
        tmp_path,
    )
    assert_png(out)
    (ax,) = plot_axes(drawn[0])
    np.testing.assert_array_equal(ax.images[0].get_array(), m)
    assert ax.images[0].get_clim() == (0.0, 20.0)
    assert [text.get_text() for text in ax.texts] == [str(v) for v in m.ravel()]
    assert ax.get_title() == "language vs cluster  (total = 59)"
    assert [label.get_text() for label in ax.get_yticklabels()] == ["english", "spanish", "french"]
    # each count legible: black on the brightest cell, white on the darkest
    colours = {text.get_text(): text.get_color() for text in ax.texts}
    assert colours["20"] == "black" and colours["0"] == "white"
    m2 = m.copy()
    m2[0, 0] = 13  # a single annotated count changes the picture
    p2 = plots.plot_confusion(
        m2, ["english", "spanish", "french"], ["0", "1", "2", "3"], tmp_path / "m2.png",
        title="language vs cluster",
    )
    assert p2.read_bytes() != out.read_bytes()


def test_confusion_all_zero_and_label_mismatch(tmp_path, drawn):
    assert_png(
        plots.plot_confusion(np.zeros((2, 3)), ["a", "b"], ["x", "y", "z"], tmp_path / "z.png", title="t"),
        min_colours=5,
    )
    (ax,) = plot_axes(drawn[0])
    assert ax.images[0].get_clim() == (0.0, 1.0) and [text.get_text() for text in ax.texts] == ["0"] * 6
    assert ax.get_title() == "t  (total = 0)"
    with pytest.raises(ValueError):
        plots.plot_confusion(np.zeros((2, 3)), ["a"], ["x", "y", "z"], tmp_path / "x.png", title="t")


# --------------------------------------------------------------------------
# plot_metric_bars
# --------------------------------------------------------------------------
def test_metric_bars_with_negative_values(tmp_path, metric_table, drawn):
    out = assert_deterministic(
        lambda p: plots.plot_metric_bars(metric_table, p, title="clustering quality"), tmp_path
    )
    assert_png(out)
    (ax,) = plot_axes(drawn[0])
    series = bars(ax)
    assert list(series) == ["audio", "lyrics", "multimodal"]  # first-appearance order
    for representation, container in series.items():
        rows = metric_table[metric_table["representation"] == representation]
        np.testing.assert_allclose([bar.get_height() for bar in container], rows["value"])
        # NMI bars in the first group (x around 0), ARI bars in the second (around 1)
        centres = [bar.get_x() + bar.get_width() / 2 for bar in container]
        assert -0.4 < centres[0] < 0.4 and 0.6 < centres[1] < 1.4
    assert max(series, key=lambda r: series[r][0].get_height()) == "multimodal"
    # error bars span value - ci95 to value + ci95 where there is an interval (4 of the 6 scores)
    np.testing.assert_allclose(error_spans(ax), sorted(2 * metric_table["ci95"].dropna()))
    assert ax.get_ylim() == _metric_ylim(np.array([[0.41, 0.22, 0.63], [-0.08, 0.05, 0.37]]),
                                         np.array([[0.04, np.nan, 0.05], [0.03, 0.02, np.nan]]))
    assert ax.get_ylim()[0] < -0.08 - 0.03  # the negative ARI and its interval fit
    assert any(np.all(np.asarray(line.get_ydata()) == 0.0) for line in ax.get_lines())  # the zero line
    assert ax.get_title() == "clustering quality  (error bars: 95 % CI)"
    assert sorted(text.get_text() for text in ax.texts) == sorted(f"{v:.2f}" for v in metric_table["value"])


def test_metric_bars_without_ci_column_and_missing_pairs(tmp_path, metric_table, drawn):
    t = metric_table.drop(columns="ci95").iloc[:-1]  # multimodal/ARI missing
    assert_png(plots.plot_metric_bars(t, tmp_path / "noci.png", title="t"))
    (ax,) = plot_axes(drawn[0])
    heights = {rep: [bar.get_height() for bar in c] for rep, c in bars(ax).items()}
    assert heights == {"audio": [0.41, -0.08], "lyrics": [0.22, 0.05], "multimodal": [0.63]}
    assert error_spans(ax) == [] and ax.get_title() == "t"


def test_metric_bars_rejects_duplicates(tmp_path, metric_table):
    dup = pd.concat([metric_table, metric_table.iloc[:1]])
    with pytest.raises(ValueError, match="duplicate"):
        plots.plot_metric_bars(dup, tmp_path / "x.png", title="t")


def test_metric_ylim():
    nan = np.nan
    assert _metric_ylim(np.array([[0.2, 0.9]]), np.array([[nan, 0.05]])) == (0.0, 1.0)
    lo, hi = _metric_ylim(np.array([[-0.1, 0.5]]), np.array([[0.05, nan]]))
    assert lo < -0.15 and hi == 1.0
    lo, hi = _metric_ylim(np.array([[-0.3, -0.1]]), np.array([[nan, nan]]))
    assert lo < -0.3 and hi >= 0.0
    lo, hi = _metric_ylim(np.array([[2.0, 0.5]]), np.array([[0.1, nan]]))
    assert lo == 0.0 and hi > 2.1
    lo, hi = _metric_ylim(np.array([[0.98]]), np.array([[0.1]]))  # CI pokes above 1
    assert lo == 0.0 and hi > 1.08


# --------------------------------------------------------------------------
# plot_class_balance
# --------------------------------------------------------------------------
def test_class_balance(tmp_path, tracks, drawn):
    out = assert_deterministic(
        lambda p: plots.plot_class_balance(tracks, p, title="dataset balance"), tmp_path
    )
    assert_png(out)
    (ax,) = plot_axes(drawn[0])
    counts = pd.crosstab(tracks["genre"], tracks["language"])  # genres and languages sorted
    assert [label.get_text() for label in ax.get_xticklabels()] == list(counts.index)
    series = bars(ax)
    assert list(series) == list(counts.columns)
    bottom = np.zeros(len(counts))
    for language, container in series.items():  # stacked: each language on top of the ones before
        np.testing.assert_array_equal([bar.get_height() for bar in container], counts[language])
        np.testing.assert_array_equal([bar.get_y() for bar in container], bottom)
        bottom += counts[language].to_numpy()
    assert [text.get_text() for text in ax.texts] == [str(int(total)) for total in counts.sum(axis=1)]
    assert ax.get_title() == "dataset balance  (N = 60 tracks)"
    # row order does not matter
    shuffled = tracks.sample(frac=1.0, random_state=3)
    p2 = plots.plot_class_balance(shuffled, tmp_path / "shuffled.png", title="dataset balance")
    assert p2.read_bytes() == out.read_bytes()


def test_class_balance_rejects_chunk_level_rows(tmp_path, tracks):
    chunks = pd.concat([tracks, tracks])
    with pytest.raises(ValueError, match="one row per track"):
        plots.plot_class_balance(chunks, tmp_path / "x.png", title="t")


def test_class_balance_missing_labels(tmp_path, drawn):
    t = pd.DataFrame({"language": ["en", None, "es", "en"], "genre": ["rock", "pop", np.nan, "rock"]})
    assert_png(plots.plot_class_balance(t, tmp_path / "nan.png", title="t"), min_colours=5)
    (ax,) = plot_axes(drawn[0])
    assert [label.get_text() for label in ax.get_xticklabels()] == ["pop", "rock", "unknown"]
    heights = {language: [bar.get_height() for bar in c] for language, c in bars(ax).items()}
    assert heights == {"en": [0, 2, 0], "es": [0, 0, 1], "unknown": [1, 0, 0]}


# --------------------------------------------------------------------------
# plot_latent_correlation
# --------------------------------------------------------------------------
def test_abs_corr_matches_numpy_and_handles_constants(rng):
    z = rng.normal(size=(200, 6))
    z[:, 4] = 3.0  # collapsed dimension
    z[:, 5] = -2.0 * z[:, 0] + 0.01 * rng.normal(size=200)
    corr, constant = _abs_corr(z)
    assert corr.shape == (6, 6)
    assert np.all(np.isfinite(corr))
    assert constant.tolist() == [False, False, False, False, True, False]
    assert np.all(corr[4] == 0) and np.all(corr[:, 4] == 0)
    keep = [0, 1, 2, 3, 5]
    expected = np.abs(np.corrcoef(z[:, keep], rowvar=False))
    np.testing.assert_allclose(corr[np.ix_(keep, keep)], expected, atol=1e-10)
    assert corr[0, 5] > 0.99
    np.testing.assert_allclose(corr, corr.T)
    assert corr.min() >= 0 and corr.max() <= 1


def test_latent_correlation_with_constant_column(tmp_path, rng, drawn):
    z = rng.normal(size=(100, 8)).astype(np.float32)
    z[:, 3] = 0.0
    z[:, 6] = z[:, 1] * 0.5
    with np.errstate(all="raise"):  # no divide-by-zero / invalid warnings
        out = assert_deterministic(
            lambda p: plots.plot_latent_correlation(z, p, title="latent |r|"), tmp_path
        )
    assert_png(out)
    (ax,) = plot_axes(drawn[0])
    shown = np.asarray(ax.images[0].get_array())
    expected = np.abs(np.corrcoef(np.delete(z, 3, axis=1), rowvar=False))
    np.testing.assert_allclose(np.delete(np.delete(shown, 3, 0), 3, 1), expected, atol=1e-6)
    assert np.all(shown[3] == 0) and np.all(shown[:, 3] == 0)  # the constant dimension
    texts = np.array([text.get_text() for text in ax.texts]).reshape(8, 8)
    assert texts[1, 6] == texts[6, 1] == "1.00" and texts[3, 3] == "0.00"
    assert [label.get_text() for label in ax.get_xticklabels()] == ["z0", "z1", "z2", "z3*", "z4", "z5", "z6", "z7"]
    mean_off = shown[~np.eye(8, dtype=bool)].mean()
    assert ax.get_title() == f"latent |r|\nmean off-diagonal |r| = {mean_off:.3f}; 1 constant dim(s) marked *"


def test_latent_correlation_edge_cases(tmp_path, rng):
    assert_png(
        plots.plot_latent_correlation(np.zeros((10, 4)), tmp_path / "dead.png", title="all dead"),
        min_colours=5,
    )
    assert_png(
        plots.plot_latent_correlation(rng.normal(size=(50, 40)), tmp_path / "wide.png", title="D=40")
    )
    with pytest.raises(ValueError):
        plots.plot_latent_correlation(np.array([[np.nan, 1.0]] * 5), tmp_path / "x.png", title="t")


def test_metric_bars_draw_the_chance_line(tmp_path, metric_table, drawn):
    with_null = metric_table.assign(null_p95=0.5)
    plain = plots.plot_metric_bars(metric_table, tmp_path / "plain.png", title="t")
    chance = plots.plot_metric_bars(with_null, tmp_path / "chance.png", title="t")
    assert plain.read_bytes() != chance.read_bytes()  # the dotted chance lines are drawn
    (without,), (ax,) = plot_axes(drawn[0]), plot_axes(drawn[1])
    assert dotted(without) == []
    # one dotted segment at 0.5 across each of the six bars, as wide as its bar, in the legend once
    segments = [segment for lines in dotted(ax) for segment in lines.get_segments()]
    assert len(segments) == 6 and all(np.all(segment[:, 1] == 0.5) for segment in segments)
    edges = sorted((bar.get_x(), bar.get_x() + bar.get_width()) for c in bars(ax).values() for bar in c)
    np.testing.assert_allclose(sorted((segment[0, 0], segment[1, 0]) for segment in segments), edges)
    assert [text.get_text() for text in ax.get_legend().get_texts()].count("chance (null 95th pct.)") == 1
    assert ax.get_title().endswith("(dotted: chance)")


def test_labels_with_mathtext_markup_are_drawn_as_text(tmp_path):
    """A genre or title from a corpus may hold "$": mathtext would fail on "$\\frac$" (no arguments)."""
    hostile = ["$\\frac$", "a $x^$ b", "plain"]
    plots.plot_confusion(np.array([[2, 0, 1], [0, 3, 0], [1, 0, 2]]), hostile, ["0", "1", "$2"], tmp_path / "c.png",
                         title="$\\frac$ genre")
    coords = np.random.default_rng(0).normal(size=(6, 2))
    plots.plot_embedding(coords, {"genre": hostile * 2}, tmp_path / "e.png", title="$\\sqrt$")
    assert mpimg.imread(tmp_path / "c.png").shape[2] == 4 and (tmp_path / "e.png").stat().st_size > 0


def test_a_confusion_of_many_classes_draws_the_largest_and_sums_the_rest(tmp_path, drawn):
    """150 genres used to make a 10,230 x 8,470 px figure (1,100: a MemoryError)."""
    from musiclust.plots.scores import MAX_CONFUSION_LINES

    rng = np.random.default_rng(0)
    matrix = rng.integers(0, 5, size=(150, 150))
    matrix[7, :] += 100  # the largest class: kept
    rows, cols = [f"g{i}" for i in range(150)], [f"c{i}" for i in range(150)]
    plots.plot_confusion(matrix, rows, cols, tmp_path / "big.png", title="many")
    image = mpimg.imread(tmp_path / "big.png")
    assert image.shape[0] < 4000 and image.shape[1] < 4000
    fig = drawn[-1]
    ax = fig.axes[0]
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert len(shown) == MAX_CONFUSION_LINES and shown[-1] == f"other ({150 - MAX_CONFUSION_LINES + 1})"
    assert "g7" in shown and "summed in 'other'" in ax.get_title()
    # nothing is lost: the drawn counts add up to the whole table
    assert ax.images[0].get_array().sum() == matrix.sum()


def test_the_kl_figure_s_log_axis_is_labelled_in_plain_numbers(tmp_path, drawn):
    """With mathtext off for corpus text, the log axis must not fall back on mathtext labels."""
    history = pd.DataFrame({"epoch": [1, 2, 1, 2], "seed": [0, 0, 1, 1],
                            **{f"kl_dim_{i}": [0.5 / (i + 1), 2.0 / (i + 1), 0.4, 1.5] for i in range(4)}})
    plots.plot_kl_per_dim(history, tmp_path / "kl.png", title="kl", threshold=0.1)
    labels = [t.get_text() for t in drawn[-1].axes[1].get_yticklabels() if t.get_text()]
    assert labels and not any("$" in text or "mathdefault" in text for text in labels)
    assert "1" in labels or "0.1" in labels
