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


def _events(client, query):
    """The data of every server-sent event of GET /api/network/stream?query, as JSON."""
    with client.stream("GET", f"/api/network/stream?{query}") as reply:
        assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/event-stream")
        text = "".join(reply.iter_text())
    return [json.loads(block.removeprefix("data: ")) for block in text.split("\n\n") if block]


def test_play_streams_a_frame_after_every_steps_steps(client, post):
    settings = {"dataset": "xor", "points": 100, "seed": 4}
    token = post("/api/network", settings)["session"]
    frames = [event["frame"] for event in _events(client, f"session={token}&steps=3&frames=4")]
    assert [f["steps"] for f in frames] == [3, 6, 9, 12]
    # the same training, step by step, outside the app
    session = network.NetworkSession(network.read_settings(settings))
    for frame in frames:
        session.train(3)
        assert frame == json.loads(json.dumps(session.frame()))


@pytest.mark.parametrize("query, message", [
    ("session=forged", "unknown or expired session"),
    ("steps=2", "unknown or expired session"),
    ("session=x&steps=0", "steps must be between 1 and 200"),
    ("session=x&steps=1e3", "steps must be an integer"),
    ("session=x&frames=" + "9" * 5000, "frames must be an integer"),
    ("session=x&speed=2", "unknown field(s) 'speed'"),
])
def test_a_bad_stream_request_is_a_400(client, query, message):
    reply = client.get(f"/api/network/stream?{query}")
    assert reply.status_code == 400 and message in reply.json()["error"]


def test_two_tabs_interleaved_do_not_interfere(client, post):
    """Two sessions, their requests interleaved, end where each would alone."""
    a_settings, b_settings = {"dataset": "spiral", "points": 60, "seed": 1}, {"dataset": "circle", "points": 80, "seed": 2, "hidden": [3]}
    a, b = post("/api/network", a_settings)["session"], post("/api/network", b_settings)["session"]
    post("/api/network/train", {"session": a, "steps": 2})
    _events(client, f"session={b}&steps=5&frames=2")
    post("/api/network/backward", {"session": a})
    post("/api/network/train", {"session": b, "steps": 1})
    a_frame = _events(client, f"session={a}&steps=4&frames=1")[0]["frame"]
    b_frame = post("/api/network/train", {"session": b, "steps": 2})["frame"]
    alone_a, alone_b = (network.NetworkSession(network.read_settings(s)) for s in (a_settings, b_settings))
    alone_a.train(2), alone_a.backward(), alone_a.train(4)  # backward draws a mini-batch: the same here
    alone_b.train(10), alone_b.train(1), alone_b.train(2)
    assert (a_frame["steps"], b_frame["steps"]) == (6, 13)
    assert a_frame == json.loads(json.dumps(alone_a.frame()))
    assert b_frame == json.loads(json.dumps(alone_b.frame()))


def test_a_busy_session_does_not_hold_up_another_tab(app, serve):
    """Requests on one session wait for each other; another session's are served meanwhile
    (no global lock: the computation runs in a worker thread, under its session's lock)."""
    import threading
    import urllib.request

    def call(url, path, body):
        request = urllib.request.Request(url + path.lstrip("/"), json.dumps(body).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            return json.loads(reply.read())

    with serve(app) as url:
        a, b = (call(url, "/api/network", {"points": 40, "seed": s})["session"] for s in (0, 1))
        _, lock = app.state.sessions.find({"session": a})
        with lock:  # as if session a were in the middle of a long training
            waiting = threading.Thread(target=call, args=(url, "/api/network/train", {"session": a, "steps": 1}))
            waiting.start()
            assert call(url, "/api/network/train", {"session": b, "steps": 1})["frame"]["steps"] == 1
            assert call(url, "/api/circuit", {"example": "circuit"})["gradients"]["z"] == 3.0
            waiting.join(timeout=0.5)
            assert waiting.is_alive()  # a's request waits for a's lock
        waiting.join(timeout=30)
        assert not waiting.is_alive()
        assert call(url, "/api/network/train", {"session": a, "steps": 1})["frame"]["steps"] == 2


def test_a_session_expiring_while_playing_ends_the_stream_with_a_message(app, client, post):
    app.state.sessions.limit = 1
    token = post("/api/network", {"points": 40})["session"]
    with client.stream("GET", f"/api/network/stream?session={token}&frames=10000") as reply:
        chunks = reply.iter_text()
        assert next(chunks).startswith("data: ")
        post("/api/network", {"points": 40})  # a new tab: the oldest session is dropped
        text = "".join(chunks)  # the stream ends by itself
    last = text.rstrip("\n").split("\n\n")[-1]
    assert last.startswith("event: refused\ndata: ")
    assert "unknown or expired session" in json.loads(last.split("data: ", 1)[1])["error"]
