"""The one state-dict validation (src/chainrule/state_dicts.py) behind Module.load_state_dict
and chainrule.load(path, expected)."""
import numpy as np

import chainrule as cr
from chainrule.state_dicts import state_dict_problems

EXPECTED = {"w": np.zeros((2, 3), np.float32), "b": cr.zeros(2), "n": np.array(0, np.int64)}


def test_a_matching_state_dict_has_no_problems():
    state = {"w": np.ones((2, 3), np.float32), "b": cr.ones(2), "n": np.array(5, np.int64)}
    problems = state_dict_problems(state, EXPECTED)
    assert not problems
    assert problems.messages() == []


def test_every_problem_is_listed_in_the_expected_order():
    state = {"x": np.zeros(1), "w": np.zeros((3, 2), np.float64), "b": np.zeros(2, np.float64)}
    problems = state_dict_problems(state, EXPECTED, "the file")
    assert problems.missing_keys == ["n"] and problems.unexpected_keys == ["x"]
    assert problems.messages() == [
        "missing keys: 'n'",
        "unexpected keys: 'x'",
        "'w': shape (3, 2) in the file, (2, 3) expected",
        "'w': dtype float64 in the file, float32 expected",
        "'b': dtype float64 in the file, float32 expected",
    ]


def test_allow_cast_accepts_same_kind_casts_only():
    state = {"w": np.zeros((2, 3), np.float64), "b": np.zeros(2, np.complex64),
             "n": np.array(0, np.float64)}
    problems = state_dict_problems(state, EXPECTED, allow_cast=True)
    assert problems.mismatches == [
        ("b", "dtype complex64 in the state dict cannot be cast to float32"),
        ("n", "dtype float64 in the state dict cannot be cast to int64"),
    ]
