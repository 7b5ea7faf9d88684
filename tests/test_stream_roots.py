"""``stream_roots``: one mechanism's random stream drawn from another root seed."""

from __future__ import annotations

import numpy as np
import pytest

from sim.randomness import STREAMS, Streams, stream_roots
from sim.runner import run


def first_draws(streams: Streams, name: str) -> np.ndarray:
    return streams[name].random(4)


def test_named_stream_takes_the_given_root_and_the_others_keep_theirs():
    with stream_roots({"emergency": 7}):
        held = Streams(1, extra_key=(2,))
    for name in STREAMS:
        root = 7 if name == "emergency" else 1
        expected = first_draws(Streams(root, extra_key=(2,)), name)
        np.testing.assert_array_equal(first_draws(held, name), expected)


def test_roots_apply_inside_the_block_only_and_nest():
    with stream_roots({"demand": 5, "whistle": 6}):
        with stream_roots({"demand": 8}):
            inner = Streams(1)
        outer = Streams(1)
    after = Streams(1)
    np.testing.assert_array_equal(first_draws(inner, "demand"), first_draws(Streams(8), "demand"))
    np.testing.assert_array_equal(first_draws(inner, "whistle"), first_draws(Streams(6), "whistle"))
    np.testing.assert_array_equal(first_draws(outer, "demand"), first_draws(Streams(5), "demand"))
    np.testing.assert_array_equal(first_draws(after, "demand"), first_draws(Streams(1), "demand"))


def test_roots_are_restored_when_the_block_raises():
    own = first_draws(Streams(1), "demand")
    with pytest.raises(RuntimeError), stream_roots({"demand": 5}):
        raise RuntimeError("inside")
    np.testing.assert_array_equal(first_draws(Streams(1), "demand"), own)
    assert not np.array_equal(own, first_draws(Streams(5), "demand"))
    assert Streams(1)._roots == {}


@pytest.mark.parametrize("roots, error, words", [
    ({"demnd": 1}, KeyError, "unknown stream 'demnd'"),
    ({"demand": -1}, ValueError, "non-negative integer, got -1"),
    ({"demand": 1.5}, ValueError, "got 1.5"),
    ({"demand": True}, ValueError, "got True"),
])
def test_bad_roots_are_refused_before_anything_changes(roots, error, words):
    with pytest.raises(error, match=words), stream_roots(roots):
        pass
    assert Streams(1)._roots == {}


def test_a_run_moves_with_the_streams_it_draws_from_only(small):
    plain = run(small, 3).yearly
    with stream_roots({"survey": 99}):  # a declared stream that no mechanism draws from
        same = run(small, 3).yearly
    with stream_roots({"demand": 99}):
        other = run(small, 3).yearly
    with stream_roots({"demand": 99}):
        again = run(small, 3).yearly
    assert plain.equals(same)
    assert not plain.equals(other)
    assert other.equals(again)
