"""Fixtures of the playground tests: its app under Starlette's test client."""
import warnings

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
