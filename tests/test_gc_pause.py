"""The collector pause around long runs."""

from __future__ import annotations

import gc

import pytest

from sim.gc_pause import collector_paused


def test_the_collector_is_off_inside_and_restored_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_restored_when_the_block_raises():
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off():
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_street_run_pauses_the_collector(small):
    """``StreetModel.run`` runs with the collector off (a DataCollector's reporter sees
    it off each day) and leaves it on after."""
    import mesa

    from sim.model import StreetModel

    seen = []
    collector = mesa.DataCollector(model_reporters={"gc": lambda m: seen.append(gc.isenabled()) or 0})
    StreetModel(small, seed=1).run(datacollector=collector)
    assert seen and not any(seen)
    assert gc.isenabled()
