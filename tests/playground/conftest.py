"""Fixtures of the playground tests: its app under Starlette's test client, or served live."""
import socket
import threading
import time
import warnings
from contextlib import contextmanager

import pytest

pytest.importorskip("starlette", reason="the playground extra (starlette) is not installed")
pytest.importorskip("httpx", reason="Starlette's test client needs httpx")
with warnings.catch_warnings():  # Starlette may recommend another HTTP client; httpx works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture(scope="session")
def playground_home(tmp_path_factory):
    """An empty ``CHAINRULE_HOME`` shared by the session: no MNIST in its data cache (so the
    digits view uses the embedded 8x8 digits), and the digits model trained once, cached there."""
    return tmp_path_factory.mktemp("playground-home")


@pytest.fixture
def app(playground_home, monkeypatch):
    from chainrule.playground.app import create_app

    monkeypatch.setenv("CHAINRULE_HOME", str(playground_home))
    return create_app()


@pytest.fixture
def client(app):
    return TestClient(app)


@pytest.fixture
def post(client):
    """``post(path, body)``: the reply's JSON, asserting the status (200 unless given)."""

    def send(path, body, status=200):
        reply = client.post(path, json=body)
        assert reply.status_code == status, reply.text
        return reply.json()

    return send


@pytest.fixture(scope="session")
def serve():
    """``with serve(app) as url:`` the app served live (see ``_serve``)."""
    return _serve


@contextmanager
def _serve(app, wait_s=60):
    """``app`` served by uvicorn on a free port of 127.0.0.1 in a thread; yields its URL."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + wait_s
    while not server.started:
        assert time.monotonic() < deadline, "the playground server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=wait_s)
