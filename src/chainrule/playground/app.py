"""The playground's ASGI app (Starlette): the page, its static files and a JSON API.

    GET  /                    the page (static/index.html)
    GET  /static/...          its JavaScript modules and CSS
    GET  /api/info            examples, datasets, presets and limits
    POST /api/circuit         {"example": name} or {"expression": text}, with "values": {name: number}
    POST /api/circuit/nudge   the same with "name" (an input) and "h" -> h * df/dname and f(name + h) - f
    POST /api/network         settings (see network.read_settings) -> {"session", "data", "frame"}
    POST /api/network/train   {"session", "steps"} -> {"frame"}
    POST /api/network/backward {"session"} -> one mini-batch's backward pass, layer by layer

Each page (browser tab) makes its own network session; at most ``MAX_SESSIONS`` are kept,
the least recently used dropped first. Every refused request is a 4xx with
``{"error": message}``. Handlers are ``async`` on purpose: they run one at a time on
the event loop, as ``explain.recording()`` and the seed are process-wide.
"""
import math
import secrets
from collections import OrderedDict
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import circuit, datasets, network
from .messages import MessageError, check_keys, integer, number, read_body, read_json, text

STATIC = Path(__file__).parent / "static"
MAX_SESSIONS = 32
MAX_VALUES = 26
MAX_NUDGE = 10.0


class Sessions:
    """Network sessions by random token, least recently used dropped beyond ``limit``."""

    def __init__(self, limit=MAX_SESSIONS):
        self.limit, self._by_token = limit, OrderedDict()

    def add(self, session):
        token = secrets.token_urlsafe(16)
        self._by_token[token] = session
        while len(self._by_token) > self.limit:
            self._by_token.popitem(last=False)
        return token

    def get(self, message):
        token = message.get("session")
        if not isinstance(token, str) or token not in self._by_token:
            raise MessageError("unknown or expired session: press New network")
        self._by_token.move_to_end(token)
        return self._by_token[token]


def _api(handler):
    """Read the request's JSON object, call ``handler(message, app_state)``, answer JSON;
    a ``MessageError`` is a 400 with its message."""

    async def endpoint(request):
        try:
            message = read_json(await read_body(request.stream()))
            return JSONResponse(handler(message, request.app.state))
        except MessageError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return endpoint


def _circuit_request(message, extra=()):
    """The circuit part of ``message`` checked: ``{"example"}`` or ``{"expression"}``, with
    ``"values"`` (at most ``MAX_VALUES`` name: number pairs); ``extra`` keys are allowed too."""
    source = "example" if "example" in message else "expression"
    check_keys(message, (source, "values") + tuple(extra))
    request = {source: message["example"] if source == "example" else text(message, "expression", 500)}
    values = message.get("values", {})
    if not isinstance(values, dict) or len(values) > MAX_VALUES:
        raise MessageError(f"values must be an object of at most {MAX_VALUES} name: number pairs")
    for name, value in values.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise MessageError(f"the value of {name!r} must be a finite number, got {value!r}")
    return {**request, "values": values}


def _circuit(message, state):
    return circuit.request_json(_circuit_request(message))


def _nudge(message, state):
    request = _circuit_request(message, ("name", "h"))
    h = number(message, "h", 0.01, -MAX_NUDGE, MAX_NUDGE)
    if h == 0:
        raise MessageError("h must not be 0: nudge the input by a small step such as 0.01")
    return circuit.nudge(request, text(message, "name", 100), h)


def _new_network(message, state):
    session = network.NetworkSession(network.read_settings(message))
    return {"session": state.sessions.add(session), "settings": session.settings,
            "data": session.data(), "frame": session.frame()}


def _train(message, state):
    check_keys(message, ("session", "steps"))
    session = state.sessions.get(message)
    session.train(integer(message, "steps", 1, 1, network.MAX_STEPS))
    return {"frame": session.frame()}


def _backward(message, state):
    check_keys(message, ("session",))
    return state.sessions.get(message).backward()


async def _info(request):
    return JSONResponse({
        "examples": list(circuit.EXAMPLES), "datasets": list(datasets.DATASETS),
        "activations": list(network.ACTIVATIONS), "optimizers": list(network.OPTIMIZERS),
        "presets": network.PRESETS,
        "limits": {"layers": network.MAX_LAYERS, "neurons": network.MAX_NEURONS,
                   "points": network.MAX_POINTS, "batch_size": network.MAX_BATCH,
                   "steps": network.MAX_STEPS},
    })


async def _index(request):
    return FileResponse(STATIC / "index.html")


async def _error(request, exc):
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code)


def create_app():
    """A new playground app with its own sessions."""
    app = Starlette(
        routes=[
            Route("/", _index),
            Route("/api/info", _info),
            Route("/api/circuit", _api(_circuit), methods=["POST"]),
            Route("/api/circuit/nudge", _api(_nudge), methods=["POST"]),
            Route("/api/network", _api(_new_network), methods=["POST"]),
            Route("/api/network/train", _api(_train), methods=["POST"]),
            Route("/api/network/backward", _api(_backward), methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={HTTPException: _error},
    )
    app.state.sessions = Sessions()
    return app
