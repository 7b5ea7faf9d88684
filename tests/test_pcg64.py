"""The compiled PCG64 uniforms (:mod:`sim.randomness.pcg64`) against NumPy's own."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from sim.randomness import Streams
from sim.randomness.compiled import POISSON_MULT_BELOW, poisson_small
from sim.randomness.pcg64 import (
    LIVE_VIEWS,
    NEAR,
    fill_uniforms,
    live_uniform,
    live_uniforms,
    live_uniforms_2d,
    state_words,
    uniforms_at,
)


def twins(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Two streams in the same state (a run's named stream, as the model makes them)."""
    return Streams(seed)["enrolment"], Streams(seed)["enrolment"]


@pytest.mark.parametrize("shape", [0, 1, 3, 4, 5, 7, 58000, (2390, 22), (0, 22), (3, 1)])
def test_fill_gives_numpys_draws_and_state(shape):
    ours, numpys = twins(11)
    for _ in range(2):  # twice: the state left behind is NumPy's
        got, want = fill_uniforms(ours, shape), numpys.random(shape)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        assert ours.bit_generator.state == numpys.bit_generator.state
    assert ours.random() == numpys.random()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(0, 3000), data=st.data())
def test_uniforms_at_picks_numpys_draws_and_leaves_its_state(seed, n, data):
    picked = data.draw(st.sets(st.integers(0, max(n - 1, 0)), max_size=n)) if n else set()
    positions = np.array(sorted(picked), dtype=np.int64)
    ours, numpys = twins(seed)
    numpys.random(5)  # a stream part-way through, as in a run
    fill_uniforms(ours, 5)
    got = uniforms_at(ours, positions, n)
    np.testing.assert_array_equal(got, numpys.random(n)[positions])
    assert ours.bit_generator.state == numpys.bit_generator.state


def test_uniforms_at_far_gaps_and_the_ends():
    """Gaps at, below and far above the look-up table's reach, the first and last draw."""
    n = 3 * NEAR * NEAR
    positions = np.array([0, NEAR - 1, 2 * NEAR - 1, 2 * NEAR + NEAR, 100_000, n - 1], dtype=np.int64)
    ours, numpys = twins(5)
    np.testing.assert_array_equal(uniforms_at(ours, positions, n), numpys.random(n)[positions])
    assert ours.bit_generator.state == numpys.bit_generator.state


@pytest.mark.parametrize("positions", [[3, 3], [4, 2], [-1], [10]])
def test_uniforms_at_refuses_positions_that_do_not_rise_within_the_block(positions):
    rng = Streams(1)["enrolment"]
    before = rng.bit_generator.state
    with pytest.raises(ValueError, match="rise strictly"):
        uniforms_at(rng, np.array(positions), 10)
    assert rng.bit_generator.state == before  # nothing drawn


def test_a_stream_that_is_not_pcg64_is_refused():
    with pytest.raises(TypeError, match="PCG64"):
        fill_uniforms(np.random.Generator(np.random.MT19937(1)), 3)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32),
       sizes=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 12)), max_size=6))
def test_live_draws_are_numpys_and_move_the_stream_itself(seed, sizes):
    """Compiled draws on the live state words give NumPy's doubles, mixed with NumPy's own
    draws of the same generator in any order (one stream, one state)."""
    ours, numpys = twins(seed)
    words = state_words(ours)
    for n, m in sizes:
        np.testing.assert_array_equal(live_uniforms(words, n), numpys.random(n))
        np.testing.assert_array_equal(live_uniforms_2d(words, n, m), numpys.random((n, m)))
        assert ours.random() == numpys.random()  # the generator itself moved on
    assert ours.bit_generator.state == numpys.bit_generator.state


def test_state_words_refuse_another_bit_generator():
    with pytest.raises(TypeError, match="PCG64 stream is needed"):
        state_words(np.random.Generator(np.random.MT19937(1)))


def test_fill_uniforms_past_the_kept_views():
    """More streams than the views kept: each still draws NumPy's doubles from its own state."""
    pairs = [twins(seed) for seed in range(LIVE_VIEWS + 5)]
    for _ in range(2):
        for ours, numpys in pairs:
            np.testing.assert_array_equal(fill_uniforms(ours, 3), numpys.random(3))
    assert all(a.bit_generator.state == b.bit_generator.state for a, b in pairs)


@njit
def _one_by_one(words: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n)
    for i in range(n):
        out[i] = live_uniform(words)
    return out


@njit
def _poissons(words: np.ndarray, means: np.ndarray) -> np.ndarray:
    out = np.empty(len(means), np.int64)
    for i in range(len(means)):
        out[i] = poisson_small(words, means[i])
    return out


@pytest.mark.parametrize("seed", range(4))
def test_single_live_draws_and_small_poissons_are_numpys(seed):
    """``live_uniform`` is ``rng.random()`` one at a time; ``poisson_small`` is
    ``rng.poisson`` for means below POISSON_MULT_BELOW (0 without a draw), the stream left
    where NumPy leaves it."""
    ours, numpys = twins(seed)
    words = state_words(ours)
    np.testing.assert_array_equal(_one_by_one(words, 37), numpys.random(37))
    below = np.nextafter(POISSON_MULT_BELOW, 0)
    means = np.random.default_rng(50 + seed).choice([0.0, 1e-3, 0.5, 1.3, 4.0, below], 400)
    np.testing.assert_array_equal(_poissons(words, means), numpys.poisson(means))
    assert ours.bit_generator.state == numpys.bit_generator.state
