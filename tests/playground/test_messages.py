import asyncio
import math

import numpy as np
import pytest

from chainrule.playground import messages
from chainrule.playground.messages import MessageError


def test_json_number_turns_non_finite_values_into_null():
    assert messages.json_number(np.float64(2.5)) == 2.5
    assert messages.json_number(math.inf) is None
    assert messages.json_number(np.array([[1.0, np.nan], [-np.inf, 4.0]])) == [[1.0, None], [None, 4.0]]
    assert messages.json_number(np.array([1, 2])) == [1.0, 2.0]


def test_integer_and_number_refuse_booleans_and_out_of_range():
    with pytest.raises(MessageError, match="steps must be an integer, got True"):
        messages.integer({"steps": True}, "steps", 1, 1, 10)
    with pytest.raises(MessageError, match="steps must be between 1 and 10, got 11"):
        messages.integer({"steps": 11}, "steps", 1, 1, 10)
    assert messages.integer({}, "steps", 3, 1, 10) == 3
    with pytest.raises(MessageError, match="lr must be a finite number, got inf"):
        messages.number({"lr": math.inf}, "lr", 0.1, 0, 1)
    assert messages.number({"lr": 1}, "lr", 0.1, 0, 1) == 1.0


def test_read_body_stops_at_the_limit():
    async def chunks(sizes):
        for size in sizes:
            yield b"x" * size

    limit = messages.MAX_BODY_BYTES
    assert asyncio.run(messages.read_body(chunks([limit // 2, limit // 2]))) == b"x" * limit
    with pytest.raises(MessageError, match="request too large"):
        asyncio.run(messages.read_body(chunks([limit, 1, 10**9])))
