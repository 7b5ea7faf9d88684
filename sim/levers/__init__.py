"""Reform levers (brief §4) and risk stressors (brief §5) as changes of mechanism inputs.

* :mod:`sim.levers.catalogue` - ``LEVERS``: every lever, its plan clause, targets, settings
  and default phase;
* :mod:`sim.levers.stressors` - ``STRESSORS``: every risk overlay;
* :mod:`sim.levers.uses` - how scenario files use them;
* :mod:`sim.levers.keys` - lever and stressor settings as sweep and ``--set`` keys.

Listing, showing and diffing scenarios (:mod:`sim.experiment.scenario_tools`) and the
paired ``run --vs`` comparison (:mod:`sim.experiment.versus`) sit with the experiment
engine.
"""

from sim.levers.catalogue import LEVERS, PATHS
from sim.levers.stressors import STRESSORS

__all__ = ["LEVERS", "PATHS", "STRESSORS"]
