"""A progress bar for multi-run commands: count, rate and ETA (``tqdm`` on stderr)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(total: int, desc: str, enabled: bool = True) -> Iterator[tqdm]:
    """A bar over ``total`` runs, e.g. ``sweep: 40%|####  | 4/10 [00:02<00:03, 1.9 run/s]``.

    Call ``bar.update(1)`` per finished run; ``bar.set_postfix(failed=n)`` to show failures.
    """
    bar = tqdm(total=total, desc=desc, unit="run", file=sys.stderr, disable=not enabled,
               dynamic_ncols=True, smoothing=0.1, mininterval=0.5)
    try:
        yield bar
    finally:
        bar.close()
