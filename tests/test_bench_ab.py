"""The A/B figures of ``benchmarks/bench_ab.py``: best, medians, ratios and the sign count."""

from __future__ import annotations

from pathlib import Path

from bench_ab import checkout, summary

REPO = Path(__file__).resolve().parents[1]


def test_summary_compares_the_rounds_pairwise():
    a = [0.40, 0.30, 0.50]
    b = [0.38, 0.33, 0.40]  # quicker in rounds 1 and 3; ratios 0.95, 1.1, 0.8
    lines = summary(a, b).splitlines()
    assert lines[0] == "A best 0.3000 s, median 0.4000 s"
    assert lines[1] == "B best 0.3300 s, median 0.3800 s"
    assert lines[2] == ("B / A: best against best 1.100; median of the rounds' ratios 0.950; "
                        "B quicker in 2 of 3 rounds")


def test_a_checkout_path_is_used_as_it_is(tmp_path):
    assert checkout(str(REPO), tmp_path) == REPO
    assert list(tmp_path.iterdir()) == []  # no worktree made for a path
