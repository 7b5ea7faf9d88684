"""The live explorer: its Mesa model steps a scenario and the baseline a year at a time
on the same seed, levers and stressors change the scenario; in a real browser, the
server starts, a lever is switched off, a year is run, and the figures update."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("solara")

from sim import load_scenario, run  # noqa: E402
from sim.explore.model import ExplorerModel, explorer_params, point_from_controls  # noqa: E402
from sim.levers.catalogue import LEVERS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_controls_respect_declared_bounds() -> None:
    params = explorer_params()
    for name, p in params.items():
        if name.startswith("lever__") and name.count("__") == 2:
            lever, setting = name[7:].split("__")
            st = next(s for s in LEVERS[lever].settings if s.name == setting)
            assert (st.lo is None or p["min"] >= st.lo) and (st.hi is None or p["max"] <= st.hi)
            assert p["min"] <= p["value"] <= p["max"]
    assert {"path", "seed", "lang", "stress__revenue_shock"} <= set(params)


def test_levers_and_stressors_change_the_scenario() -> None:
    sc = load_scenario("combined")
    point = point_from_controls(sc, {"lever__staffing_1_3_n": "off", "stress__revenue_shock": True,
                                     "lever__secondment__months": 6.0})
    assert point == {"lever:staffing_1_3_n": False, "stress:revenue_shock": True,
                     "lever:secondment": True, "lever:secondment:months": 6.0}


def test_steps_match_full_runs_on_the_same_seed() -> None:
    m = ExplorerModel(path="digital", seed=3, residents=2000, end_year=2025)
    m.step()
    assert m.years_done == [2024] and m.running
    m.step()
    assert m.years_done == [2024, 2025] and not m.running
    y = m.yearly().pivot_table(index=["arm", "year"], columns="indicator", values="value")
    horizon = {"population.residents": 2000, "run.end_date": "2025-12-31"}
    for arm, name in (("path", "digital"), ("baseline", "baseline")):
        full = run(load_scenario(name).with_values(horizon), seed=3).yearly
        for ind in ("resolution_rate", "satisfaction", "staff_turnover"):
            assert y.loc[(arm, 2025), ind] == pytest.approx(full.at[2025, ind], abs=1e-12)
    flows = m.flows()
    assert set(flows["outcome"]) <= {"resolved", "bounced", "dropped", "open"}
    assert (m.hours()["hours"] >= 0).all()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_browser_switch_lever_step_and_see_figure_update(tmp_path: Path) -> None:
    browser = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(b)), None)
    if browser is None or shutil.which("chromedriver") is None:
        pytest.skip("no Chromium/chromedriver (scripts/ensure_chromium.sh installs them)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "sim.cli", "explore", "--port", str(port)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--window-size=1400,1000"):
        opts.add_argument(arg)
    driver = None
    try:
        _wait(lambda: _up(port), 180, "server did not start")
        driver = webdriver.Chrome(options=opts, service=Service(shutil.which("chromedriver")))
        driver.get(f"http://localhost:{port}/")
        button = lambda label: next((b for b in driver.find_elements(By.TAG_NAME, "button")  # noqa: E731
                                     if b.text.strip().lower() == label), None)
        _wait(lambda: button("step"), 180, "no Step button")
        text = lambda: driver.find_element(By.TAG_NAME, "body").text  # noqa: E731
        assert "staffing_1_3_n" in text().split("risks:")[0]
        # switch the 1+3+N staffing lever off: open its select, pick "off"
        label = next(e for e in driver.find_elements(By.CSS_SELECTOR, ".v-select")
                     if "staffing_1_3_n" in e.text)
        label.find_element(By.CSS_SELECTOR, ".v-select__slot").click()
        menu = ".menuable__content__active .v-list-item"
        _wait(lambda: [i for i in driver.find_elements(By.CSS_SELECTOR, menu) if i.text.strip() == "off"], 30,
              "no 'off' item")
        next(i for i in driver.find_elements(By.CSS_SELECTOR, menu) if i.text.strip() == "off").click()
        button("reset").click()
        _wait(lambda: "levers:" in text() and "staffing_1_3_n" not in _levers(text()), 120,
              "lever still in force after Reset")
        titles = lambda: [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".gtitle")]  # noqa: E731
        assert not any("2024" in t for t in titles())
        button("step").click()
        _wait(lambda: any("2024" in t for t in titles()), 180, "indicator figure did not update")
        driver.save_screenshot(str(tmp_path / "explorer.png"))
        assert (tmp_path / "explorer.png").stat().st_size > 10_000
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(30)


def _levers(text: str) -> str:
    return text.split("levers:", 1)[1].split("risks:", 1)[0]


def _up(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://localhost:{port}/", timeout=5)
        return True
    except OSError:
        return False


def _wait(cond, timeout: float, message: str):
    """Poll ``cond`` until it gives something true; a page redrawn between finding an
    element and reading it (selenium's stale element reference) counts as not yet."""
    try:
        from selenium.common.exceptions import StaleElementReferenceException
        stale: tuple[type[Exception], ...] = (StaleElementReferenceException,)
    except ImportError:
        stale = ()
    end = time.time() + timeout
    while time.time() < end:
        try:
            got = cond()
        except stale:
            got = None
        if got:
            return got
        time.sleep(0.5)
    raise AssertionError(message)
