"""Every citation in a source field resolves to an entry of docs/sources.md."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BRIEF = re.compile(r"brief §\s?(\d+[A-C]?(?:\.\d+)?)")
AUTHOR_YEAR = re.compile(r"\b([A-Z][A-Za-z]+(?: [A-Z][a-z]+)?(?:, [A-Z][a-z]+)*(?: (?:&|and) [A-Z][a-z]+)?"
                         r"(?: et al\.)?),? \(?((?:19|20)\d\d)\b")
NAMED = ("NYC 311", "extreme condition")


def entry_keys() -> set[str]:
    text = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    return {m.strip() for m in re.findall(r"^### (.+)$", text, flags=re.M)}


def cited(source: str) -> set[str]:
    """The entry keys a source text cites."""
    keys = {f"brief §{m}" for m in BRIEF.findall(source)}
    keys |= {f"{a} {y}" for a, y in AUTHOR_YEAR.findall(source)}
    keys |= {k for k in NAMED if k in source}
    return keys


def toml_sources(obj, where: str, out: list[tuple[str, str]]) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "source" and isinstance(v, str):
                out.append((where, v))
            else:
                toml_sources(v, f"{where}.{k}", out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            toml_sources(v, f"{where}[{i}]", out)


def all_sources() -> list[tuple[str, str]]:
    """(where, source text) of every source field of the project."""
    from sim.calibration import PATTERNS, VALIDATION_PATTERNS
    from sim.levers import LEVERS, STRESSORS
    from sim.validation import MICRO_TESTS

    out: list[tuple[str, str]] = []
    for path in sorted([*(ROOT / "scenarios").rglob("*.toml"), *(ROOT / "experiments").glob("*.toml")]):
        with path.open("rb") as fh:
            toml_sources(tomllib.load(fh), str(path.relative_to(ROOT)), out)
    for thing in [*LEVERS.values(), *STRESSORS.values()]:
        out += [(f"{thing.name}.{s.name}", s.source) for s in thing.settings if s.source]
    out += [(f"pattern {p.key}", p.source) for p in PATTERNS]
    out += [(f"validation pattern {p.key}", p.source) for p in VALIDATION_PATTERNS]
    out += [(f"micro test {t.key}", t.source) for t in MICRO_TESTS]
    return out


def test_every_cited_source_resolves_to_an_entry():
    keys = entry_keys()
    missing = sorted({(k, where) for where, src in all_sources() for k in cited(src) if k not in keys})
    text = "; ".join(f"{k} ({w})" for k, w in missing[:20])
    assert not missing, "cited but not in docs/sources.md: " + text


def test_every_source_cites_an_entry_or_states_an_assumption():
    bare = [(w, s) for w, s in all_sources()
            if not cited(s) and not s.lower().startswith(("assumption", "extreme condition"))]
    assert not bare, bare[:10]


def test_the_sources_cover_the_baseline():
    sources = [s for w, s in all_sources() if w.startswith("scenarios/baseline.toml")]
    assert len(sources) > 150  # every parameter of the root scenario has one


@pytest.mark.parametrize("text, keys", [
    ("brief §4B: 50% of forces", {"brief §4B"}),
    ("assumption: 70% (Chen, Pan & Xu 2016, brief §8)", {"Chen, Pan & Xu 2016", "brief §8"}),
    ("as NYC 311 (brief §8)", {"NYC 311", "brief §8"}),
    ("Nobody 1999 says so", {"Nobody 1999"}),
])
def test_citations_are_recognised(text, keys):
    assert cited(text) == keys


def test_an_unknown_citation_does_not_resolve():
    assert "Nobody 1999" not in entry_keys()
