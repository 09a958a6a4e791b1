"""Fixtures of the playground tests: its app under Starlette's test client."""
import warnings

import pytest

pytest.importorskip("starlette", reason="the playground extra (starlette) is not installed")
pytest.importorskip("httpx", reason="Starlette's test client needs httpx")
with warnings.catch_warnings():  # Starlette may recommend another HTTP client; httpx works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture
def app():
    from chainrule.playground.app import create_app

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
