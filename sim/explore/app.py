"""The Solara page of the live explorer (Mesa's SolaraViz).

Serve it with ``streetsim explore`` (or ``solara run sim.explore.app``). In the sidebar:
scenario, seed, street size, last year, language, each lever (as the scenario has it, on
or off) with its main setting, and the risk stressors; "Reset" builds the runs with those
settings, "Step" simulates one year of the scenario and of the baseline on the same seed,
▶ runs on. The page shows the indicators year by year against the plan's targets and the
baseline, the staff hours by use, and the case flow.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz

from sim.explore.figures import flow_figure, hours_figure, indicator_figure, word
from sim.explore.model import ExplorerModel, explorer_params
from sim.indicators.definitions import INDICATORS
from sim.report.i18n import indicator_name


def indicators_view(model: ExplorerModel) -> None:
    """Indicator small multiples against targets and the baseline."""
    if not model.years_done:
        solara.Info(word("no_year", model.lang))
    solara.FigurePlotly(indicator_figure(model))


def scorecard_view(model: ExplorerModel) -> None:
    """The last finished year: every indicator with a target, scenario vs. baseline."""
    if not model.years_done:
        return None
    y = model.yearly()
    last = y[y["year"] == model.years_done[-1]].pivot(index="indicator", columns="arm", values="value")
    rows = []
    for ind in INDICATORS:
        if ind.target is None or ind.key not in last.index:
            continue
        v, b = last.at[ind.key, "path"], last.at[ind.key, "baseline"]
        met = ind.meets(v)
        rows.append({"indicator": indicator_name(ind.key, model.lang), "kind": ind.kind,
                     "target": ind.target_text, model.path_name: round(float(v), 3),
                     "baseline": round(float(b), 3), "met": "✓" if met else ("✗" if met is False else "")})
    import pandas as pd

    solara.Markdown(f"**{model.years_done[-1]}**")
    solara.DataFrame(pd.DataFrame(rows), items_per_page=40)


def hours_view(model: ExplorerModel) -> None:
    """Staff hours by use."""
    solara.FigurePlotly(hours_figure(model))


def flow_view(model: ExplorerModel) -> None:
    """Case flow of the scenario."""
    solara.FigurePlotly(flow_figure(model))


def setup_view(model: ExplorerModel) -> None:
    """What is running: scenario, levers in force, stressors, seed and size."""
    sc = model.street_scenario
    levers = ", ".join(u.name for u in sc.levers) or "-"
    risks = ", ".join(u.name for u in sc.stressors) or "-"
    solara.Markdown(f"**{model.path_name}** · seed {model.seed_value} · "
                    f"{sc.values['population.residents']:,} residents\n\n"
                    f"<span class='levers'>levers: {levers}</span>\n\n"
                    f"<span class='risks'>risks: {risks}</span>")


# Views are plain functions: SolaraViz wraps them so that they redraw after every step.
model = ExplorerModel(path="combined", seed=1, residents=20_000)
VIEWS = [setup_view, indicators_view, scorecard_view, hours_view, flow_view]
page = SolaraViz(model, components=[(v, 0) for v in VIEWS],
                 model_params=explorer_params(), name="streetsim explorer 街道治理仿真", play_interval=200)
