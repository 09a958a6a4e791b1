"""Checking the page's messages and writing the server's: every bad value is a ``MessageError``
whose text names the field and what it must be (the app answers it with a 400)."""
import json
import math

import numpy as np

MAX_BODY_BYTES = 64 * 1024


class MessageError(ValueError):
    """A request the server refuses; ``str()`` is the message shown on the page."""


async def read_body(chunks):
    """The bytes of a request body from its async iterator of ``chunks``, refused as soon as
    it passes ``MAX_BODY_BYTES`` (so a huge body is never held in memory)."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise MessageError(f"request too large: more than {MAX_BODY_BYTES} bytes")
    return bytes(body)


def read_json(body):
    """The JSON object in ``body`` (bytes); MessageError when it is not one."""
    try:
        message = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MessageError(f"the request is not valid JSON: {exc}") from None
    except RecursionError:
        raise MessageError("the request is nested too deeply") from None
    if not isinstance(message, dict):
        raise MessageError(f"the request must be a JSON object, got {type(message).__name__}")
    return message


def check_keys(message, allowed):
    unknown = sorted(set(message) - set(allowed))
    if unknown:
        raise MessageError(f"unknown field(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}")


def integer(message, key, default, low, high):
    """``message[key]`` (or ``default``) as an int in [low, high]."""
    value = message.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise MessageError(f"{key} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise MessageError(f"{key} must be between {low} and {high}, got {value}")
    return value


def number(message, key, default, low, high):
    """``message[key]`` (or ``default``) as a finite float in [low, high]."""
    value = message.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise MessageError(f"{key} must be a finite number, got {value!r}")
    if not low <= value <= high:
        raise MessageError(f"{key} must be between {low:g} and {high:g}, got {value:g}")
    return float(value)


def choice(message, key, default, choices):
    value = message.get(key, default)
    if value not in choices:
        raise MessageError(f"{key} must be one of {', '.join(choices)}, got {value!r}")
    return value


def text(message, key, limit):
    value = message.get(key)
    if not isinstance(value, str):
        raise MessageError(f"{key} must be a string, got {value!r}")
    if len(value) > limit:
        raise MessageError(f"{key} is longer than {limit} characters")
    return value


def json_number(value):
    """A number or array as JSON: floats (nested lists for arrays), NaN and infinities as
    None (JSON has no NaN; the page shows them as 'not a number')."""
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 0:
        x = float(a)
        return x if math.isfinite(x) else None
    if np.isfinite(a).all():
        return a.tolist()
    return [json_number(row) for row in a]
