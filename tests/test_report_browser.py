"""The report in a real browser: headless Chromium opens it from a file, with no console
errors and every figure drawn; a scenario named ``<script>...`` shows as text; static PNG
and SVG figures come out of Kaleido. Results come from a tiny real experiment.

Skipped only when Chromium (or chromedriver, or selenium) is absent; CI installs them with
``scripts/ensure_chromium.sh``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim.experiment.design import Experiment, resolve
from sim.experiment.executors import SerialExecutor
from sim.experiment.sweep import execute, plan
from sim.params.reading import SCENARIO_DIR
from sim.report import load_report_data, render_report
from sim.report.figures import all_figures
from sim.report.static import find_browser, write_static

pytestmark = pytest.mark.slow  # a small experiment and a browser: about a minute

EVIL = "<script>alert(1)</script>"
BROWSER = find_browser()
DRIVER = shutil.which("chromedriver")

needs_browser = pytest.mark.skipif(BROWSER is None, reason="no Chromium/Chrome (scripts/ensure_chromium.sh)")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """Reports (en, zh) of a baseline and a path named ``<script>alert(1)</script>``,
    2 replications of a small street over 2024 and the first quarter of 2025."""
    root = tmp_path_factory.mktemp("browser")
    path = root / "evil.toml"
    path.write_text(f'[scenario]\nname = "{EVIL}"\nextends = "{SCENARIO_DIR / "baseline.toml"}"\n'
                    '[data]\nsystems_per_record = { value = 1.5, source = "test: fewer systems" }\n',
                    encoding="utf-8")
    exp = resolve(Experiment(name="tiny", scenarios=("baseline", str(path)), replications=2,
                             constants={"population.residents": 5000, "run.end_date": "2025-03-31"}))
    summary = execute(plan(exp), root / "results", SerialExecutor(), progress=False)
    assert summary.ok
    data = load_report_data(summary.results)
    return {lang: render_report(data, root / f"report.{lang}.html", lang) for lang in ("en", "zh")}


@pytest.fixture(scope="module")
def driver():
    if BROWSER is None or DRIVER is None:
        pytest.skip("no Chromium/chromedriver (scripts/ensure_chromium.sh installs them)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = BROWSER
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--window-size=1400,1000",
                "--enable-unsafe-swiftshader"):  # software WebGL for parallel coordinates
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    drv.set_page_load_timeout(120)
    yield drv
    drv.quit()


FIGURE_CHECK = """
const out = [];
for (const div of document.querySelectorAll('.plotly-graph-div')) {
  const svg = div.querySelector('svg.main-svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const marks = div.querySelectorAll('.trace, .sankey, .hm, .parcoords, image').length;
  out.push({id: div.id, width: box.width, height: box.height, marks: marks,
            traces: (div.data || []).length});
}
return out;
"""


@needs_browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_figure_renders_without_console_errors(driver, reports, lang):
    driver.get(reports[lang].as_uri())
    figures = driver.execute_script(FIGURE_CHECK)
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    assert len(figures) >= 10
    blank = [f["id"] for f in figures if f["width"] < 100 or f["height"] < 100 or f["marks"] == 0]
    assert blank == []


@needs_browser
def test_scenario_named_script_shows_as_text(driver, reports):
    driver.get(reports["en"].as_uri())  # an alert would fail the page load with UnexpectedAlertPresent
    assert driver.execute_script("return document.querySelectorAll('script:not([type])').length") >= 1
    injected = driver.execute_script(
        "return [...document.scripts].filter(s => s.textContent.trim() === 'alert(1)').length")
    assert injected == 0
    assert EVIL in driver.execute_script("return document.body.innerText")
    legend = driver.execute_script(
        "return [...document.querySelectorAll('.legendtext')].map(e => e.textContent)")
    assert EVIL in legend


@needs_browser
def test_static_figures_are_png_and_svg(reports, tmp_path):
    data = load_report_data(reports["en"].parent / "results" / "tiny")
    figs = [f for f in all_figures(data, "zh") if f.id in ("scorecard", "series_satisfaction")]
    result = write_static(figs, tmp_path)
    assert result.ok, result.error
    for f in figs:
        assert (tmp_path / f"{f.id}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in (tmp_path / f"{f.id}.svg").read_text(encoding="utf-8")[:500]
