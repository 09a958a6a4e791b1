import json

import numpy as np
import pytest

from chainrule import Tensor
from chainrule.io import load, load_metadata
from chainrule.nn import functional as F
from chainrule.playground import digits
from chainrule.playground.digits import DigitsModel


def _one(draw):
    """A "1" as the page draws it: a vertical stroke down the middle of the draw x draw grid."""
    image = np.zeros((draw, draw))
    image[draw // 8: -draw // 8, draw // 2 - 2: draw // 2 + 1] = 1.0
    return image


def test_trained_once_saved_as_safetensors_then_loaded(tmp_path):
    first = DigitsModel.load_or_train(tmp_path)
    assert first.info == {"source": "digits", "size": 8, "draw": 32, "cached": False, "saved": True,
                          "test_accuracy": pytest.approx(first.info["test_accuracy"])}
    assert first.info["test_accuracy"] > 0.9
    (path,) = tmp_path.iterdir()
    assert path.name == f"digits-cnn-v{digits.VERSION}.safetensors"
    header_size = int.from_bytes(path.read_bytes()[:8], "little")  # safetensors: a JSON header, no pickle
    assert json.loads(path.read_bytes()[8:8 + header_size])["__metadata__"]["source"] == "digits"
    assert float(load_metadata(path)["test_accuracy"]) == first.info["test_accuracy"]
    second = DigitsModel.load_or_train(tmp_path)
    assert second.info["cached"] and second.info["test_accuracy"] == first.info["test_accuracy"]
    for key, array in load(path).items():
        np.testing.assert_array_equal(np.asarray(second.model.state_dict()[key]), array.astype(np.float64))


def test_a_damaged_cache_file_is_trained_again(tmp_path):
    path = tmp_path / f"digits-cnn-v{digits.VERSION}.safetensors"
    path.write_bytes(b"not a safetensors file")
    model = DigitsModel.load_or_train(tmp_path)
    assert not model.info["cached"] and load(path).keys() == model.model.state_dict().keys()


def test_an_unwritable_cache_is_a_warning_and_the_model_is_served(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would be")
    with pytest.warns(UserWarning, match="cannot cache the digits model"):
        model = DigitsModel.load_or_train(blocked / "playground")
    assert (model.info["cached"], model.info["saved"]) == (False, False)
    assert model.explain(model.read({"pixels": _one(32).ravel().tolist()}))["prediction"] == 1


def test_the_cache_is_under_xdg_cache_home(monkeypatch, tmp_path):
    from chainrule.playground.app import create_app

    monkeypatch.delenv("CHAINRULE_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert create_app().state.digits.cache == tmp_path / "chainrule" / "playground"


def test_mnist_is_used_when_its_files_are_in_the_data_dir(mnist_dir, tmp_path, monkeypatch):
    assert digits.choose_source(mnist_dir) == ("mnist", mnist_dir)
    monkeypatch.setitem(digits.SOURCES, "mnist", {**digits.SOURCES["mnist"], "train": 512})  # seconds, not tens
    model = DigitsModel.load_or_train(tmp_path, mnist_dir)
    assert (model.info["source"], model.info["size"], model.info["draw"]) == ("mnist", 28, 28)
    reply = model.explain(model.read({"pixels": _one(28).ravel().tolist()}))
    assert np.shape(reply["input_grad"]) == (28, 28)
    assert [np.shape(layer["maps"]) for layer in reply["layers"]] == [(6, 28, 28), (6, 14, 14), (8, 14, 14), (8, 7, 7)]
    from starlette.testclient import TestClient

    from chainrule.playground.app import create_app

    client = TestClient(create_app(data_dir=mnist_dir, cache=tmp_path))  # the app finds the model just cached
    assert client.get("/api/digits").json() == {**model.info, "cached": True}
    reply = client.post("/api/digits/predict", json={"pixels": _one(28).ravel().tolist()})
    assert reply.status_code == 200 and len(reply.json()["probs"]) == 10


def test_without_mnist_the_embedded_digits_are_used(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINRULE_HOME", str(tmp_path))
    assert digits.choose_source() == ("digits", None)
    with pytest.raises(ValueError, match="no MNIST files"):
        digits.choose_source(tmp_path)


def test_the_drawing_is_counted_in_4x4_blocks_as_the_8x8_digits_were(client):
    model = client.app.state.digits.get()
    image = np.zeros((32, 32))
    image[:4, :4] = 1.0
    image[4:8, 4:6] = 1.0
    x = model.read({"pixels": image.ravel().tolist()})
    assert x.shape == (1, 1, 8, 8) and x.dtype == np.float64
    assert (x[0, 0, 0, 0], x[0, 0, 1, 1], x.sum()) == (1.0, 0.5, 1.5)


def test_predict_equals_chainrules_backward_in_float64(client, post):
    info = client.get("/api/digits").json()
    assert (info["source"], info["size"], info["draw"]) == ("digits", 8, 32)
    drawing = _one(32)
    reply = post("/api/digits/predict", {"pixels": drawing.ravel().tolist()})
    assert reply["prediction"] == 1 == reply["target"]
    model = client.app.state.digits.get()
    image = model.read({"pixels": drawing.ravel().tolist()})
    x = Tensor(image, requires_grad=True)
    logits = model.model(x)
    np.testing.assert_allclose(reply["probs"], np.asarray(F.softmax(logits, dim=1))[0], rtol=0, atol=1e-12)
    assert sum(reply["probs"]) == pytest.approx(1.0, abs=1e-12)
    logits[0, 1].backward()
    np.testing.assert_allclose(reply["input_grad"], x.grad[0, 0], rtol=0, atol=1e-12)
    model.model.zero_grad()
    np.testing.assert_array_equal(reply["input"], image[0, 0])


def test_feature_map_gradients_are_the_chain_rule_of_their_layers(post, client):
    """Each feature map's gradient, pushed back through the layers before it, is the input gradient."""
    reply = post("/api/digits/predict", {"pixels": _one(32).ravel().tolist(), "target": 7})
    assert reply["target"] == 7
    model = client.app.state.digits.get().model
    assert [layer["name"] for layer in reply["layers"]] == ["conv1 + ReLU", "pool1", "conv2 + ReLU", "pool2"]
    x = Tensor(np.array(reply["input"])[None, None], requires_grad=True)
    first = model[1](model[0](x))  # conv1 + ReLU
    first.backward(np.array(reply["layers"][0]["grads"])[None])
    np.testing.assert_allclose(x.grad[0, 0], reply["input_grad"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.asarray(first)[0], reply["layers"][0]["maps"], rtol=0, atol=1e-12)
    model.zero_grad()


@pytest.mark.parametrize("body, message", [
    ({"pixels": [0.0] * 10}, "pixels must be a list of 1024 numbers (32x32, row by row)"),
    ({"pixels": [0.5] * 1023 + [2.0]}, "every pixel must be a number from 0 to 1"),
    ({"pixels": [0.5] * 1023 + [True]}, "every pixel must be a number from 0 to 1"),
    ({"pixels": "0" * 1024}, "pixels must be a list"),
    ({"pixels": [0.0] * 1024, "target": 10}, "target must be between 0 and 9"),
    ({"pixels": [0.0] * 1024, "size": 28}, "unknown field(s) 'size'"),
])
def test_bad_drawings_get_a_clear_400(post, body, message):
    assert message in post("/api/digits/predict", body, status=400)["error"]


def test_a_huge_drawing_is_refused_before_it_is_read(client):
    reply = client.post("/api/digits/predict", content=b'{"pixels": [' + b"0.5, " * 20000 + b"0]}")
    assert reply.status_code == 400 and "request too large" in reply.json()["error"]
