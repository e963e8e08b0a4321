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
