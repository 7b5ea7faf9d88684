"""Helpers shared by the compiled (numba) kernels of the mechanisms.

A kernel that replaces numpy array expressions must give the same numbers. Running sums
(``cumsum``) and element-wise arithmetic agree by construction, but ``ndarray.sum``
adds in NumPy's pairwise order; :func:`pairwise_sum` adds in that same order, so a
kernel's total equals the ``sum()`` it replaced bit for bit (``tests/test_kernels.py``).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, register_jitable

from sim.numba_patches import install as _install_numba_patches

_install_numba_patches()  # before any kernel is loaded or compiled: see sim.numba_patches


def leaf(fn):
    """``njit(cache=True)`` for a helper or kernel that reads and writes arrays but makes
    none, compiled without numba's runtime (``_nrt=False``), so that a call takes no
    reference on its array arguments. Otherwise each array argument costs an atomic
    increment and decrement per call, which tripled the time of a loop over residents
    reading one memory share each (290 against 90 us for 58,000; ``inline="always"`` kept
    the counts). A leaf must return no array and call only leaves or functions of
    scalars (what it calls is compiled without the runtime too): numba refuses one that
    makes an array, and ``tests/test_leaf_kernels.py`` checks that a run's arrays are
    freed exactly once."""
    return njit(cache=True, _nrt=False)(fn)


@intrinsic
def borrowed(typingctx, value):
    """``value`` (an array, or a tuple of arrays and tuples, nested) with every array's
    reference count left out: each array keeps its data, shape and strides, its Python
    object (returned whole to Python, it is that object), and no ``meminfo``, so that
    numba's reference counting of it (an atomic increment and decrement each time a
    tuple item is taken or an array is passed to a call) is a test of a null pointer.
    For the arrays of a compiled loop's state, taken from their tuples and passed to the
    day's kernels every day: each one took ~0.1 us a day that way (a synthetic loop of
    eight arrays in two calls: 320 against 120 ns an iteration).

    The arrays must outlive every use of the borrowed ones: borrow only arguments of the
    calling function (their owners hold them for the call) and never return a view of
    one or store it where it outlives the call (a view made from a borrowed array has no
    owner; ``tests/test_month_loop.py`` checks the arrays a month returns). Items that
    are not arrays are returned as they are, with their reference taken as usual."""
    def codegen(context, builder, signature, args):
        return _borrow(context, builder, signature.args[0], args[0])

    return value(value), codegen


def _borrow(context, builder, ty, val):
    """:func:`borrowed`'s code for one value of numba type ``ty``."""
    if isinstance(ty, types.Array):
        array = context.make_array(ty)(context, builder, value=val)
        array.meminfo = cgutils.get_null_value(array.meminfo.type)
        return array._getvalue()
    if isinstance(ty, types.BaseTuple):
        out = val
        for i, item_ty in enumerate(ty):
            item = _borrow(context, builder, item_ty, builder.extract_value(val, i))
            out = builder.insert_value(out, item, i)
        return out
    context.nrt.incref(builder, ty, val)  # a returned value is a new reference
    return val


@intrinsic
def prefetch(typingctx, a, i):
    """Ask the processor to bring the cache line of ``a[i]`` (``i`` in bounds) into its
    caches (LLVM's ``prefetch``: a read, kept in every level); changes no value. A loop
    that reads values at random rows can prefetch the rows a later loop reads: the reads
    then overlap with its own instead of waiting one after another there."""
    if not isinstance(a, types.Array) or not isinstance(i, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]])
        byte_ptr, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, byte_ptr), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(a, i), codegen


@leaf
def search_right(a: np.ndarray, lo: int, hi: int, x: float) -> int:
    """``lo + numpy.searchsorted(a[lo:hi], x, side="right")`` on a sorted ``a`` (NaN
    sorts last): the first place in ``lo..hi`` whose value exceeds ``x``, by bisection."""
    while lo < hi:
        mid = (lo + hi) >> 1
        m = a[mid]
        if x < m or (m != m and x == x):
            hi = mid
        else:
            lo = mid + 1
    return lo


PAIRWISE_BLOCK = 128
"""NumPy's ``PW_BLOCKSIZE``: below it, eight running partial sums; above, halve."""


@leaf
def _block(a: np.ndarray, lo: int, n: int) -> float:
    """NumPy's sum of at most ``PAIRWISE_BLOCK`` values: eight running partial sums."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    m = n - (n % 8)
    while i < m:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def pairwise_sum(a: np.ndarray) -> float:
    """The sum of a contiguous 1-d float64 array, added as ``numpy.sum`` adds it.

    NumPy halves a long array (at a multiple of 8) and adds the two halves' sums; this
    walks the same tree with an explicit stack (numba cannot cache recursive functions).
    """
    n = len(a)
    if n <= PAIRWISE_BLOCK:
        return _block(a, 0, n)
    los = np.empty(64, np.int64)
    ns = np.empty(64, np.int64)
    step = np.zeros(64, np.int64)  # 0: start, 1: left half done, 2: both done
    left = np.empty(64)
    los[0], ns[0], sp, val = 0, n, 1, 0.0
    while sp > 0:
        f = sp - 1
        lo, m = los[f], ns[f]
        if m <= PAIRWISE_BLOCK:
            val = _block(a, lo, m)
            sp -= 1
            continue
        half = m // 2
        half -= half % 8
        if step[f] == 0:
            step[f] = 1
            los[sp], ns[sp], step[sp] = lo, half, 0
            sp += 1
        elif step[f] == 1:
            left[f] = val
            step[f] = 2
            los[sp], ns[sp], step[sp] = lo + half, m - half, 0
            sp += 1
        else:
            val = left[f] + val
            sp -= 1
    return val



@njit(cache=True)
def day_of_hour(hours: np.ndarray, nan_day: int) -> np.ndarray:
    """``hours // 24`` as whole days (``nan_day`` for NaN or infinite hours): the exact
    floor of ``hours / 24``, as NumPy's float floor division gives it, without its
    ``fmod`` per value (a rounded quotient corrected by exact products)."""
    out = np.empty(len(hours), np.int64)
    for i in range(len(hours)):
        h = hours[i]
        out[i] = day_of(h) if math.isfinite(h) else nan_day
    return out


@register_jitable
def day_of(hour: float) -> int:
    """The whole day of a finite ``hour`` (``hour // 24``, exactly: a rounded quotient
    corrected by exact products)."""
    d = np.int64(math.floor(hour / 24.0))
    if d * 24.0 > hour:
        d -= 1
    elif (d + 1) * 24.0 <= hour:
        d += 1
    return d


@register_jitable
def year_of(hour: float, year_of_day: np.ndarray) -> int:
    """The calendar year of an hour since the run's start (an hour past the last day
    counts in the last day's year), or -1 for a NaN, infinite or negative hour."""
    if not math.isfinite(hour):
        return -1
    day = day_of(hour)
    if day < 0:
        return -1
    return year_of_day[min(day, len(year_of_day) - 1)]


@njit(cache=True)
def count_flags(at: np.ndarray, flag: np.ndarray, n: int) -> np.ndarray:
    """How many rows with ``flag`` set fall in each group ``at`` (``0 <= at < n``):
    ``np.bincount(at[flag], minlength=n)``, in one pass. Rows come mostly grouped (cases
    in the order they were raised), so a run of one group is summed in a register and
    added once: no store-to-load chain through ``out`` on every row."""
    out = np.zeros(n, np.int64)
    if len(at) == 0:
        return out
    group, run = at[0], 0
    for i in range(len(at)):
        g = at[i]
        if g != group:
            out[group] += run
            group, run = g, 0
        run += flag[i]  # no branch on the flag: flags are random
    out[group] += run
    return out


@njit(cache=True)
def rows_by_key(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows of each key ``0..n-1``, in row order, as one array and ``n + 1`` edges
    (rows of key ``k``: ``rows[edges[k]:edges[k + 1]]``, i.e. ``np.flatnonzero(keys ==
    k)``); a counting sort, rows with keys outside ``0..n-1`` left out."""
    edges = np.zeros(n + 1, np.int64)
    for i in range(len(keys)):
        k = keys[i]
        if 0 <= k < n:
            edges[k + 1] += 1
    for k in range(n):
        edges[k + 1] += edges[k]
    rows = np.empty(edges[n], np.int64)
    fill = edges[:n].copy()
    for i in range(len(keys)):
        k = keys[i]
        if 0 <= k < n:
            rows[fill[k]] = i
            fill[k] += 1
    return rows, edges


@njit(cache=True)
def stable_argsort(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="mergesort")`` (the stable order; the same permutation),
    quicker for spread keys: the keys are dealt into ``len(keys)`` slices of their range
    (``key * n`` for keys all in ``[0, 1)``, else ``(key - min) * n / (max - min)``, at
    most ``n - 1``: each step rounds monotonically, so a key is never in a later slice
    than a larger key, and equal keys share a slice), then an insertion pass orders each
    slice (strict comparison: equal keys keep their order). Keys with NaN or infinities,
    or spread wider than the largest double or too narrowly to divide by, take NumPy's
    merge sort."""
    n = len(keys)
    lo, hi = np.inf, -np.inf
    unit = True
    for i in range(n):
        k = keys[i]
        unit = unit and 0.0 <= k < 1.0
        if not -np.inf < k < np.inf:  # NaN or infinite
            return np.argsort(keys, kind="mergesort")
        lo = min(lo, k)
        hi = max(hi, k)
    span = hi - lo
    if not span < np.inf:  # a range wider than the largest double
        return np.argsort(keys, kind="mergesort")
    scale = float(n) if unit else (n / span if span > 0.0 else 0.0)
    if not scale < np.inf:  # a range too narrow to divide
        return np.argsort(keys, kind="mergesort")
    base = 0.0 if unit else lo
    start = np.zeros(n + 1, np.int64)
    for i in range(n):
        start[min(int((keys[i] - base) * scale), n - 1) + 1] += 1
    for b in range(n):
        start[b + 1] += start[b]
    order = np.empty(n, np.int64)
    for i in range(n):
        b = min(int((keys[i] - base) * scale), n - 1)
        order[start[b]] = i
        start[b] += 1
    for j in range(1, n):
        x = order[j]
        key = keys[x]
        m = j - 1
        while m >= 0 and keys[order[m]] > key:
            order[m + 1] = order[m]
            m -= 1
        order[m + 1] = x
    return order
