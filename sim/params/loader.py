"""Where ``Scenario`` used to be defined; it now lives in :mod:`sim.params.scenario`
(loading in :mod:`sim.scenarios`, file reading in :mod:`sim.params.reading`).

Kept only for ``sim/model.py``, which imports ``Scenario`` from here and is being
rewritten elsewhere; remove this module once that import reads ``sim.params.scenario``.
"""

from sim.params.scenario import Scenario

__all__ = ["Scenario"]
