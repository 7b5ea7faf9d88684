"""Randomness, in one place: where every random number of a run comes from.

* :mod:`sim.randomness.seeds` - replication seeds spawned from an experiment's root seed
  (never ``seed + i``) and the range of seeds accepted;
* :mod:`sim.randomness.streams` - a replication's named random streams, one per
  mechanism, spawned from its root seed (common random numbers across scenarios);
* :mod:`sim.randomness.draws` - turning uniforms into draws (log-normal, categorical,
  daily from annual probabilities), so per-case uniforms drawn once can be reused;
* :mod:`sim.randomness.compiled` - the same inverse-CDF draws inside compiled kernels.
"""

from sim.randomness.draws import categorical, lognormal_from_z, lognormal_mean
from sim.randomness.seeds import SEED_MAX, check_seed, replication_seeds
from sim.randomness.streams import STREAMS, Streams, stream_key, stream_roots

__all__ = ["SEED_MAX", "STREAMS", "Streams", "categorical", "check_seed", "lognormal_from_z",
           "lognormal_mean", "replication_seeds", "stream_key", "stream_roots"]
