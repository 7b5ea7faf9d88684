"""Small helpers turning uniforms into draws (so per-case uniforms can be reused)."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri


def lognormal_mean(mean: np.ndarray | float, sigma: float, u: np.ndarray) -> np.ndarray:
    """Log-normal draws with the given mean, by inverse CDF of uniforms ``u``."""
    z = ndtri(np.minimum(np.maximum(u, 1e-9), 1 - 1e-9))
    mu = np.log(np.maximum(mean, 1e-9)) - 0.5 * sigma * sigma
    return np.exp(mu + sigma * z)


def lognormal_from_z(mean: np.ndarray | float, sigma: float, z: np.ndarray) -> np.ndarray:
    """Log-normal draws with the given mean from standard-normal quantiles ``z``."""
    return np.exp(np.log(np.maximum(mean, 1e-9)) - 0.5 * sigma * sigma + sigma * z)


def categorical(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Category index per uniform for probabilities ``probs`` (need not be normalised)."""
    cdf = np.cumsum(probs, axis=-1)
    cdf = cdf / cdf[..., -1:]
    if cdf.ndim == 1:
        return np.minimum(np.searchsorted(cdf, u, side="right"), len(probs) - 1)
    # one row of probabilities per uniform
    return np.minimum((u[:, None] >= cdf).sum(axis=1), cdf.shape[1] - 1)

