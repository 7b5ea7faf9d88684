"""The draws of :mod:`sim.randomness.draws` inside compiled (numba) kernels (inverse-CDF
draws for one value, categorical draws for an array), giving the same bits as the array
versions (``tests/test_port_h22.py``, ``test_port_h23.py``, ``test_port_h32.py``).

The standard normal quantile is SciPy's own compiled ``ndtri`` (the function
``scipy.special.ndtri`` computes, exported by ``scipy.special.cython_special``), linked
into the kernels by symbol name, so that cached kernels find it again in a new process.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import binding
from numba import njit, types
from numba.extending import get_cython_function_address

from sim.compiled import leaf
from sim.numba_patches import install as _install_numba_patches
from sim.randomness.pcg64 import live_uniform

_install_numba_patches()  # before any kernel is loaded or compiled: see sim.numba_patches

binding.add_symbol("sim_scipy_ndtri", get_cython_function_address("scipy.special.cython_special", "ndtri"))
_scipy_ndtri = types.ExternalFunction("sim_scipy_ndtri", types.float64(types.float64, types.intc))

SCAN_CATEGORIES = 32
"""Up to this many categories, :func:`categorical_kernel` scans instead of bisecting."""
U_LOW = 1e-9
"""Uniforms are kept within ``[U_LOW, 1 - U_LOW]`` before the quantile (finite draws)."""


@njit(cache=True)
def ndtri(y: float) -> float:
    """``scipy.special.ndtri(y)``: the standard normal quantile of ``y`` (same bits)."""
    return _scipy_ndtri(y, 0)


@njit(cache=True)
def normal_quantile(u: float) -> float:
    """``scipy.special.ndtri`` of ``u`` kept within ``[1e-9, 1 - 1e-9]``, as the array
    draws do (``numpy.minimum(numpy.maximum(u, 1e-9), 1 - 1e-9)``; NaN stays NaN)."""
    if u < U_LOW:
        u = U_LOW
    if u > 1 - U_LOW:
        u = 1 - U_LOW
    return _scipy_ndtri(u, 0)


@njit(cache=True)
def lognormal_mu(mean: float, sigma: float) -> float:
    """The log-scale location of a log-normal with mean ``mean``: the part of
    :func:`lognormal_from_z` that does not depend on the draw, computed once where many
    draws share a mean (:func:`lognormal_at` then gives the same bits)."""
    m = mean if (mean > 1e-9 or mean != mean) else 1e-9  # numpy.maximum(mean, 1e-9)
    return math.log(m) - 0.5 * sigma * sigma


@njit(cache=True)
def lognormal_at(mu: float, sigma: float, z: float) -> float:
    """:func:`lognormal_from_z` from its location ``mu`` (:func:`lognormal_mu`)."""
    return math.exp(mu + sigma * z)


@njit(cache=True)
def lognormal_from_z(mean: float, sigma: float, z: float) -> float:
    """One log-normal draw with mean ``mean`` from a standard-normal quantile ``z``
    (:func:`sim.randomness.draws.lognormal_from_z`: same operations, same order)."""
    return lognormal_at(lognormal_mu(mean, sigma), sigma, z)


@njit(cache=True)
def lognormal_mean(mean: float, sigma: float, u: float) -> float:
    """One log-normal draw with mean ``mean`` from a uniform ``u``
    (:func:`sim.randomness.draws.lognormal_mean`)."""
    return lognormal_from_z(mean, sigma, normal_quantile(u))


POISSON_MULT_BELOW = 10.0
"""NumPy draws a Poisson count of a mean below this by multiplying uniforms
(``random_poisson_mult``); from it on, by transformed rejection (``random_poisson_ptrs``),
which :func:`poisson_small` does not do."""


@leaf
def poisson_small(words: np.ndarray, lam: float) -> int:
    """``rng.poisson(lam)`` for ``0 <= lam <`` :data:`POISSON_MULT_BELOW` from the stream
    whose live state is ``words`` (``sim.randomness.pcg64.state_words``): NumPy's own
    method, the same draws and count (0 for a mean of 0, with no draw)."""
    if lam == 0.0:
        return 0
    enlam = math.exp(-lam)
    x = 0
    prod = 1.0
    while True:
        prod *= live_uniform(words)
        if prod > enlam:
            x += 1
        else:
            return x


@njit(cache=True)
def categorical_kernel(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """:func:`sim.randomness.draws.categorical` for one 1-d ``probs`` (the same cumulative sums and
    search): per uniform, the first category whose normalised cumulative probability
    exceeds it (at most the last). With a few categories and a rising cumulative sum,
    the index ``searchsorted(side="right")`` finds is how many of the first ``n - 1``
    cumulative probabilities are at most the uniform, counted without a branch (a scan
    that stops at the first larger one mispredicts its exit on most uniforms: ~13% of a
    month's demand draws); NaN takes the last, as NumPy sorts NaN last."""
    cdf = np.cumsum(probs)
    cdf = cdf / cdf[-1]
    n = len(probs)
    rising = n <= SCAN_CATEGORIES
    for j in range(1, n):
        rising = rising and cdf[j] >= cdf[j - 1]  # False for NaN
    if not rising:
        out = np.searchsorted(cdf, u, side="right")
        for k in range(len(out)):
            if out[k] > n - 1:
                out[k] = n - 1
        return out
    out = np.empty(len(u), np.int64)
    for k in range(len(u)):
        x = u[k]
        j = 0
        for m in range(n - 1):
            j += cdf[m] <= x
        out[k] = j if x == x else n - 1
    return out
