"""The live explorer (``streetsim explore``): Mesa's SolaraViz over :class:`ExplorerModel`.

:mod:`sim.explore.model` is plain Python (a Mesa model stepping a reform scenario and the
baseline a year at a time on the same seed); :mod:`sim.explore.app` is the Solara page.
"""

from sim.explore.model import ExplorerModel, explorer_params

__all__ = ["ExplorerModel", "explorer_params"]
