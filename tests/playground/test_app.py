import json
import re

import pytest

from chainrule.playground import app as playground_app
from chainrule.playground import network


def test_page_and_static_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for name in re.findall(r'(?:src|href)="/static/([\w.]+)"', page.text):
        reply = client.get(f"/static/{name}")
        assert reply.status_code == 200, name
    script = client.get("/static/main.js")
    assert "javascript" in script.headers["content-type"]


def test_the_page_fetches_nothing_from_elsewhere():
    for path in playground_app.STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[\w.-]+\.[a-z]{2,}/", text), path.name
        for module in re.findall(r'from "([^"]+)"', text):
            assert module.startswith("./") and (playground_app.STATIC / module[2:]).is_file(), module


def test_info_lists_what_the_page_offers(client):
    info = client.get("/api/info").json()
    assert info["examples"] == ["circuit", "neuron", "staged"]
    assert info["datasets"] == ["circle", "xor", "gauss", "spiral"]
    assert info["limits"]["layers"] == 8 and info["limits"]["neurons"] == 16
    assert set(info["presets"]) == {"xor", "vanishing"}


def test_unknown_paths_are_json_404(client):
    for path in ("/nothing", "/static/nothing.js", "/api/nothing"):
        reply = client.get(path)
        assert reply.status_code == 404 and reply.json() == {"error": "Not Found"}


def test_api_refuses_get(client):
    assert client.get("/api/circuit").status_code == 405


@pytest.mark.parametrize("path, body, message", [
    ("/api/circuit", b"{not json", "the request is not valid JSON"),
    ("/api/circuit", b"[1, 2]", "the request must be a JSON object, got list"),
    ("/api/circuit", b"\xff\xfe", "the request is not valid JSON"),
    ("/api/circuit", b'{"expression": "x" }' + b" " * 70000, "request too large"),
    ("/api/circuit", b"[" * 100000 + b"]" * 100000, "request too large"),
    ("/api/circuit", b"[" * 30000 + b"]" * 30000, "nested too deeply"),
    ("/api/circuit", b'{"example": "lenet"}', "unknown example 'lenet'; known: circuit, neuron, staged"),
    ("/api/circuit", b'{"example": "circuit", "values": {"w": 1}}', "example 'circuit' has no input 'w'; its inputs: x, y, z"),
    ("/api/circuit", b'{"example": ["circuit"]}', "unknown example ['circuit']"),
    ("/api/circuit", b'{"example": "circuit", "h": 1}', "unknown field(s) 'h'"),
    ("/api/circuit/nudge", b'{"example": "circuit", "name": "q"}', "no input 'q' to nudge; inputs: x, y, z"),
    ("/api/circuit/nudge", b'{"example": "circuit", "name": "x", "h": 0}', "h must not be 0"),
    ("/api/circuit/nudge", b'{"example": "circuit", "name": "x", "h": 1e9}', "h must be between -10 and 10"),
    ("/api/circuit/nudge", b'{"expression": "x * y", "values": {"x": 1, "y": 2}, "name": 3}', "name must be a string"),
    ("/api/circuit", b'{"expression": "__import__(\'os\').system(\'ls\')"}', "only calls of exp, log"),
    ("/api/circuit", b'{"expression": "__import__(1)"}', "unknown function '__import__'"),
    ("/api/circuit", b'{"expression": "x.real", "values": {"x": 1}}', "attribute access not allowed"),
    ("/api/circuit", b'{"expression": 3}', "expression must be a string"),
    ("/api/circuit", b'{"expression": "x * y", "values": {"x": 1}}', "no value for 'y'"),
    ("/api/circuit", b'{"expression": "x", "values": {"x": 1}}', "a single variable"),
    ("/api/circuit", b'{"expression": "x + 1", "values": {"x": "1"}}', "the value of 'x' must be a finite number"),
    ("/api/circuit", b'{"expression": "x + 1", "values": [1]}', "values must be an object"),
    ("/api/network", b'{"lr": NaN}', "lr must be a finite number"),
    ("/api/network", b'{"hidden": [100]}', "every hidden layer size must be an integer from 1 to 16"),
    ("/api/network/train", b'{"session": "forged", "steps": 1}', "unknown or expired session"),
    ("/api/network/train", b'{"steps": 1}', "unknown or expired session"),
    ("/api/network/backward", b'{"session": 5}', "unknown or expired session"),
])
def test_bad_requests_get_a_clear_400_and_the_server_keeps_serving(client, path, body, message):
    reply = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert reply.status_code == 400
    assert message in reply.json()["error"]
    assert client.post("/api/circuit", json={"example": "circuit"}).status_code == 200


@pytest.mark.parametrize("steps", [0, network.MAX_STEPS + 1, 1.5, "10", True])
def test_train_steps_are_bounded(post, steps):
    token = post("/api/network", {"points": 40})["session"]
    reply = post("/api/network/train", {"session": token, "steps": steps}, status=400)
    assert "steps must be" in reply["error"]


def test_oldest_session_expires_beyond_the_limit(app, post):
    app.state.sessions.limit = 3
    tokens = [post("/api/network", {"points": 40})["session"] for _ in range(4)]
    assert "unknown or expired session" in post("/api/network/backward", {"session": tokens[0]}, status=400)["error"]
    for token in tokens[1:]:
        post("/api/network/backward", {"session": token})


def test_replies_are_strict_json(client):
    """No NaN or Infinity tokens, which JSON (and the page's parser) does not have."""
    reply = client.post("/api/network", json={"lr": 10.0, "optimizer": "sgd", "hidden": [16] * 4,
                                                "activation": "relu"})
    token = reply.json()["session"]
    reply = client.post("/api/network/train", json={"session": token, "steps": 50})
    json.loads(reply.text, parse_constant=lambda name: pytest.fail(f"{name} in the reply"))
