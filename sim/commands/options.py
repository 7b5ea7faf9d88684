"""Argument types shared by the subcommands: each refuses a bad value with one line
naming the option, the value and what is allowed (argparse exits with status 2)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from sim.params.errors import InputError
from sim.randomness import check_seed

MAX_COUNT = 1_000_000
"""Largest replication, trial or worker count accepted on the command line."""


def seed(text: str) -> int:
    """A root seed: an integer from 0 to 2**63-1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer (a seed from 0 to 2**63-1)") from None
    try:
        return check_seed(value)
    except InputError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc.allowed}") from None


def count(lo: int = 1, hi: int = MAX_COUNT) -> Callable[[str], int]:
    """An integer in ``[lo, hi]`` (replications, workers, trials, ...)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{text!r}: an integer from {lo} to {hi}")
        return value

    parse.__name__ = "count"
    return parse
