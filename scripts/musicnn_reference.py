"""Write tests/data/musicnn_reference.npz: what the original musicnn, run by TensorFlow, gives on three
seeded signals. It is not part of the pipeline: it runs once, in a throwaway environment with TensorFlow,
and the committed fixture is what tests/test_musicnn.py compares the PyTorch port with.

Environment (Python 3.11; librosa 0.8.1 is the last release whose STFT pads centred frames by reflection
as the librosa the original was written for did, and it needs numpy < 1.24)::

    python3.11 -m venv /tmp/musicnn-tf
    /tmp/musicnn-tf/bin/pip install "tensorflow-cpu==2.15.*" numpy==1.23.5 librosa==0.8.1 numba==0.57.1 soundfile
    /tmp/musicnn-tf/bin/pip install --no-deps --require-hashes -r requirements-musicnn.txt
    /tmp/musicnn-tf/bin/python scripts/musicnn_reference.py

Nothing of the original is patched: its ``extractor.py`` and ``models.py`` already call TensorFlow through
``tf.compat.v1`` and turn eager execution off when imported, so they run unchanged under TensorFlow 2.15.
For each signal (written to a float32 WAV file, which ``librosa.load`` reads back exactly):

- the patches are the original ``extractor.batch_data`` (187 frames, no overlap);
- the tags and features come from the original graph, ``models.define_model`` under the same name scope
  as ``extractor.extractor`` builds it, its checkpoint restored with ``tf.compat.v1.train.Saver``, fed all
  patches of a signal at once. The original ``extractor.extractor`` is run too (one patch per step), and
  its taggram and pooled features must equal the graph's (within float32 rounding): the fixture is what
  the original's own entry point returns. (For every patch after a file's first, its loop returns the first
  patch's ``penultimate`` and ``cnn1..3`` again, a slip in its code, so those are checked on first patches
  only and taken from the graph.)

Saved: the signal recipe (``SIGNALS``; the test regenerates the signals and checks their sha256), the
patches (float32, exactly what TensorFlow was fed), per model the taggram, ``penultimate``, ``max_pool``,
``mean_pool`` and 1000 seeded elements of each time-resolved map, the checkpoint's variable listing from
TensorFlow's checkpoint reader and the patch counts and sums at a hop of 61 frames (``input_overlap=1``).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
# name → (seed, seconds). Each sounds from its first sample, where the frames' centring pad acts; the chord's
# 5.97 s make exactly 374 frames, so its second patch ends on the last frame (the boundary of the patch loop).
SIGNALS = {"noise": (101, 4.5), "chord": (202, 5.97), "clicks": (303, 7.0)}
MODELS = ("MSD_musicnn", "MTT_musicnn")
TIME_MAPS = ("timbral", "temporal", "cnn1", "cnn2", "cnn3")
POOLED = ("mean_pool", "max_pool", "penultimate")
N_SAMPLED = 1000  # elements of each time-resolved map kept in the fixture (the whole maps are ~10 MB)
SAMPLE_SEED = 7
OVERLAP_HOP = 61  # librosa.time_to_frames(1 s): the original's input_overlap=1
OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "musicnn_reference.npz"


def make_signal(name: str) -> np.ndarray:
    """One of the seeded test signals, float32 at 16 kHz, on the 16-bit PCM grid.

    RandomState's streams never change; rounding to 1/32768 hides the last-bit differences of sin, cos and exp
    between numpy builds, so the signal's bytes (and sha256) are the same wherever it is made."""
    seed, seconds = SIGNALS[name]
    rng = np.random.RandomState(seed)
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    if name == "noise":
        signal = 0.1 * rng.standard_normal(n)
    elif name == "chord":
        root = rng.uniform(110.0, 220.0)
        ratios = np.array([1.0, 5 / 4, 3 / 2, 2.0]) * (1 + 0.004 * rng.standard_normal(4))  # slightly detuned
        phases = rng.uniform(0, 2 * np.pi, 4)
        envelope = np.minimum(1, (seconds - t) / 0.5) * (0.6 + 0.4 * np.sin(2 * np.pi * 1.5 * t))  # fades out
        signal = envelope * sum(0.025 * np.sin(2 * np.pi * root * r * t + p) for r, p in zip(ratios, phases))
    elif name == "clicks":
        period = rng.uniform(0.25, 0.5)  # seconds between clicks
        jitter = rng.uniform(-0.01, 0.01, int(seconds / period) + 1)
        jitter[0] = 0  # the first click on the first sample
        signal = np.zeros(n)
        burst = rng.standard_normal(80) * np.exp(-np.arange(80) / 16.0)  # a 5 ms decaying noise burst
        for k, start in enumerate(np.arange(0, seconds - 0.05, period)):
            i = int((start + jitter[k]) * SAMPLE_RATE)
            signal[i:i + len(burst)] += 0.3 * burst
    else:
        raise KeyError(name)
    return (np.round(signal * 32768) / 32768).astype(np.float32)


def signal_sha256(signal: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(signal, dtype="<f4").tobytes()).hexdigest()


def sampled_indices(shape: tuple[int, ...]) -> np.ndarray:
    """N_SAMPLED seeded flat indices into a map of ``shape``."""
    return np.random.RandomState(SAMPLE_SEED).randint(0, int(np.prod(shape)), N_SAMPLED)


def _graph_outputs(tf, models, config, prefix: str, model: str, patches: np.ndarray) -> dict[str, np.ndarray]:
    """The original graph (as extractor.extractor builds it) fed all patches at once."""
    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, patches.shape[1], config.N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        y, *features = models.define_model(x, is_training, model, len(config.MSD_LABELS))
        taggram = tf.nn.sigmoid(y)
    names = ("timbral", "temporal", "cnn1", "cnn2", "cnn3", "mean_pool", "max_pool", "penultimate")
    with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().restore(sess, prefix)
        values = sess.run([taggram, *features], feed_dict={x: patches, is_training: False})
    out = dict(zip(("taggram", *names), values))
    for name in ("cnn1", "cnn2", "cnn3"):
        out[name] = out[name][..., 0]  # (B, T, 64, 1) → (B, T, 64)
    return out


def main() -> int:
    import librosa
    import soundfile as sf
    import tensorflow as tf
    from musicnn import configuration as config
    from musicnn import extractor, models

    package = Path(extractor.__file__).parent
    n_frames = librosa.time_to_frames(3, sr=config.SR, n_fft=config.FFT_SIZE, hop_length=config.FFT_HOP) + 1
    assert n_frames == 187, n_frames
    assert librosa.time_to_frames(1, sr=config.SR, n_fft=config.FFT_SIZE, hop_length=config.FFT_HOP) == OVERLAP_HOP
    out: dict[str, np.ndarray] = {"signal_names": np.array(list(SIGNALS)),
                                  "signal_seeds": np.array([s for s, _ in SIGNALS.values()]),
                                  "signal_seconds": np.array([d for _, d in SIGNALS.values()]),
                                  "signal_sha256": np.array([signal_sha256(make_signal(n)) for n in SIGNALS]),
                                  "tensorflow_version": np.array(tf.__version__),
                                  "librosa_version": np.array(librosa.__version__)}
    patches, counts, paths = [], [], []
    with tempfile.TemporaryDirectory(prefix="musicnn-ref-") as tmp:
        for name in SIGNALS:
            signal = make_signal(name)
            path = os.path.join(tmp, f"{name}.wav")
            sf.write(path, signal, SAMPLE_RATE, subtype="FLOAT")
            loaded, _ = librosa.load(path, sr=config.SR)
            assert np.array_equal(loaded, signal), name
            batch, spectrogram = extractor.batch_data(path, n_frames, n_frames)
            assert batch.dtype == np.float32, batch.dtype  # numpy < 2 promotes float16 * 10000 to float32
            overlapped, _ = extractor.batch_data(path, n_frames, OVERLAP_HOP)
            out[f"overlap_sums_{name}"] = overlapped.astype(np.float64).sum(axis=(1, 2))
            patches.append(batch)
            counts.append(len(batch))
            paths.append(path)
        all_patches = np.concatenate(patches)
        out["patches"] = all_patches
        out["patch_counts"] = np.array(counts)

        for model in MODELS:
            prefix = str(package / model) + "/"  # the original's checkpoint prefix: files '<dir>/.index' ...
            # tf.train.list_variables would take the prefix, ending in '/', for a folder with a 'checkpoint' file.
            listing = sorted(tf.compat.v1.train.NewCheckpointReader(prefix).get_variable_to_shape_map().items())
            out[f"{model}/variable_names"] = np.array([n for n, _ in listing])
            out[f"{model}/variable_shapes"] = np.array([repr(tuple(s)) for _, s in listing])
            graph = _graph_outputs(tf, models, config, prefix, model, all_patches.astype(np.float32))
            # The original entry point, signal by signal, must agree with the graph run above.
            original = [extractor.extractor(p, model=model, input_length=3, extract_features=True) for p in paths]
            taggram = np.concatenate([tags for tags, _, _ in original])
            worst = {"taggram": float(np.abs(taggram - graph["taggram"]).max())}
            for name in ("mean_pool", "max_pool"):
                feats = np.concatenate([f[name] for _, _, f in original])
                worst[name] = float(np.abs(feats - graph[name]).max())
            firsts = np.cumsum([0, *counts[:-1]])  # its penultimate is right for each signal's first patch only
            feats = np.stack([f["penultimate"][0] for _, _, f in original])
            worst["penultimate"] = float(np.abs(feats - graph["penultimate"][firsts]).max())
            print(model, "extractor.extractor vs graph, max abs difference:", worst)
            assert max(worst.values()) < 1e-5, worst
            for name in ("taggram", *POOLED):
                out[f"{model}/{name}"] = graph[name].astype(np.float32)
            for name in TIME_MAPS:
                values = graph[name]
                index = sampled_indices(values.shape)
                out[f"{model}/{name}_shape"] = np.array(values.shape)
                out[f"{model}/{name}_sampled"] = values.reshape(-1)[index].astype(np.float32)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **out)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {counts} patches, {len(out['MSD_musicnn/variable_names'])} "
          "variables per checkpoint")
    return 0


if __name__ == "__main__":
    sys.exit(main())
