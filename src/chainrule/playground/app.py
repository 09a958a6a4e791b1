"""The playground's ASGI app (Starlette): the page, its static files and a JSON API.

    GET  /                    the page (static/index.html)
    GET  /static/...          its JavaScript modules and CSS
    GET  /api/info            examples, datasets, presets and limits
    POST /api/circuit         {"example": name} or {"expression": text}, with "values": {name: number}
    POST /api/circuit/nudge   the same with "name" (an input) and "h" -> h * df/dname and f(name + h) - f
    POST /api/network         settings (see network.read_settings) -> {"session", "data", "frame"}
    POST /api/network/train   {"session", "steps"} -> {"frame"}
    POST /api/network/backward {"session"} -> one mini-batch's backward pass, layer by layer
    GET  /api/network/stream?session=&steps=&frames=  server-sent events: a frame after every
                              ``steps`` training steps, ``frames`` of them (Play), at most 30 a second
    GET  /api/digits          the digits model (trained on the first call, cached on disk after)
    POST /api/digits/predict  {"pixels": [...], "target": class} -> probabilities, gradients, maps

Each page (browser tab) makes its own network session; at most ``MAX_SESSIONS`` are kept,
the least recently used dropped first. Every refused request is a 4xx with
``{"error": message}``. The computations run in worker threads, each session's under its own
lock: requests on one session run one after another, different sessions (tabs) at once, and
the event loop keeps serving while a tab trains. (Initial weights are drawn from the thread's
own generator, ``seeding.seeded``.)
"""
import asyncio
import json
import math
import secrets
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..data.download import cache_dir
from ..data.errors import DataError
from . import circuit, datasets, digits, network
from .messages import MessageError, check_keys, integer, number, read_body, read_json, text

STATIC = Path(__file__).parent / "static"
MAX_SESSIONS = 32
MAX_VALUES = 26
MAX_NUDGE = 10.0
MAX_FRAMES, FRAME_S = 100_000, 1 / 30  # a stream's frames, and the least time between two


class Sessions:
    """Network sessions by random token, each with its own lock; the least recently used
    dropped beyond ``limit``."""

    def __init__(self, limit=MAX_SESSIONS):
        self.limit, self._by_token, self._lock = limit, OrderedDict(), threading.Lock()

    def add(self, session):
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._by_token[token] = (session, threading.Lock())
            while len(self._by_token) > self.limit:
                self._by_token.popitem(last=False)
        return token

    def find(self, message):
        """``(session, its lock)`` of ``message["session"]``."""
        token = message.get("session")
        with self._lock:
            if not isinstance(token, str) or token not in self._by_token:
                raise MessageError("unknown or expired session: press New network")
            self._by_token.move_to_end(token)
            return self._by_token[token]

    @contextmanager
    def locked(self, message):
        """The session of ``message``, its lock held: one request on it at a time."""
        session, lock = self.find(message)
        with lock:
            yield session


class LazyDigits:
    """The digits model, loaded (or trained) by the first request that needs it."""

    def __init__(self, cache, data_dir):
        self.cache, self.data_dir = cache, data_dir
        self._model, self._lock = None, threading.Lock()

    def get(self):
        with self._lock:  # one training, however many tabs ask at once
            if self._model is None:
                try:
                    self._model = digits.DigitsModel.load_or_train(self.cache, self.data_dir)
                except DataError as exc:  # MNIST's files there but damaged: say which
                    raise MessageError(f"the digits model cannot be trained: {exc}") from None
            return self._model


def _refused(exc):
    return JSONResponse({"error": str(exc)}, status_code=400)


def _api(handler):
    """Read the request's JSON object, call ``handler(message, app_state)`` in a worker
    thread (the event loop keeps serving the other tabs), answer JSON; a ``MessageError``
    is a 400 with its message."""

    async def endpoint(request):
        try:
            message = read_json(await read_body(request.stream()))
            return JSONResponse(await run_in_threadpool(handler, message, request.app.state))
        except MessageError as exc:
            return _refused(exc)

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
    steps = integer(message, "steps", 1, 1, network.MAX_STEPS)
    with state.sessions.locked(message) as session:
        session.train(steps)
        return {"frame": session.frame()}


def _backward(message, state):
    check_keys(message, ("session",))
    with state.sessions.locked(message) as session:
        return session.backward()


def _query_int(params, key, high):
    """The query parameter ``key`` (default 1) as an int from 1 to ``high``."""
    value = params.get(key, "1")
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise MessageError(f"{key} must be an integer, got {value!r}")
    return integer({key: int(value)}, key, 1, 1, high)


async def _stream(request):
    """Play: server-sent events, one ``{"frame"}`` after every ``steps`` steps (see the module
    docstring); the page closes the stream to pause."""
    message = dict(request.query_params)
    try:
        check_keys(message, ("session", "steps", "frames"))
        steps, frames = _query_int(message, "steps", network.MAX_STEPS), _query_int(message, "frames", MAX_FRAMES)
        request.app.state.sessions.find(message)  # an unknown session is a 400, not an empty stream
    except MessageError as exc:
        return _refused(exc)

    def step():
        with request.app.state.sessions.locked(message) as session:
            session.train(steps)
            return json.dumps({"frame": session.frame()}, allow_nan=False)

    async def events():
        for _ in range(frames):
            start = time.monotonic()
            try:
                data = await run_in_threadpool(step)
            except MessageError as exc:  # the session expired while playing
                yield f"event: refused\ndata: {json.dumps({'error': str(exc)})}\n\n"
                return
            yield f"data: {data}\n\n"
            await asyncio.sleep(max(0.0, FRAME_S - (time.monotonic() - start)))

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _predict(message, state):
    check_keys(message, ("pixels", "target"))
    model = state.digits.get()
    target = message.get("target")
    return model.explain(model.read(message), None if target is None else integer(message, "target", 0, 0, 9))


async def _digits(request):
    try:
        model = await run_in_threadpool(request.app.state.digits.get)
    except MessageError as exc:
        return _refused(exc)
    return JSONResponse(model.info)


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


def create_app(data_dir=None, cache=None):
    """A new playground app with its own sessions. ``data_dir``: where MNIST's files are for
    the digits view (default: chainrule's data cache; the embedded 8x8 digits without them;
    a ``data_dir`` without them is a ``ValueError``). ``cache``: where the digits model is
    kept (default: ``cache_dir()/playground``)."""
    digits.choose_source(data_dir)  # a wrong --data-dir fails now, not at the first drawing
    app = Starlette(
        routes=[
            Route("/", _index),
            Route("/api/info", _info),
            Route("/api/circuit", _api(_circuit), methods=["POST"]),
            Route("/api/circuit/nudge", _api(_nudge), methods=["POST"]),
            Route("/api/network", _api(_new_network), methods=["POST"]),
            Route("/api/network/train", _api(_train), methods=["POST"]),
            Route("/api/network/backward", _api(_backward), methods=["POST"]),
            Route("/api/network/stream", _stream),
            Route("/api/digits", _digits),
            Route("/api/digits/predict", _api(_predict), methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={HTTPException: _error},
    )
    app.state.sessions = Sessions()
    app.state.digits = LazyDigits(Path(cache) if cache is not None else cache_dir() / "playground", data_dir)
    return app
