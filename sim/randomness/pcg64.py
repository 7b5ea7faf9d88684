"""NumPy's PCG64 uniforms in compiled code, bit for bit, with jumps over unused draws.

A stream (``numpy.random.Generator(PCG64)``) gives its ``i``-th ``random()`` double from
its 128-bit state after ``i + 1`` steps of the generator's linear congruence ``x -> a x +
c (mod 2**128)``, as ``(xsl_rr(x) >> 11) * 2**-53``. This module does the same
arithmetic (128-bit integers in LLVM), so that:

* :func:`uniforms_at` gives only the draws at given positions of a block of ``n``
  ``rng.random(n)`` would give, jumping over the others (``O(log gap)`` steps each), and
  leaves the stream where ``rng.random(n)`` leaves it. Monthly draws of one uniform per
  resident, of which a few hundred are read, cost a few microseconds instead of the
  whole block;
* :func:`fill_uniforms` gives the whole block, four steps apart at a time (the steps of
  one chain depend on each other; four chains keep the multiplier busy);
* :func:`live_uniforms` and :func:`live_uniforms_2d` do the same inside compiled code
  (the day loop), on a view of the generator's own state (:func:`state_words`), so that
  no NumPy generator is called through a function pointer per draw.

The stream's state is read and written where NumPy's generator keeps it
(:func:`state_words`, reached through the documented ``bit_generator.ctypes`` pointer and
checked against ``bit_generator.state``); ``tests/test_pcg64.py`` checks the draws and
states against NumPy's own.
"""

from __future__ import annotations

import ctypes

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from sim.compiled import leaf
from sim.memo import ObjectMemo

MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645
"""PCG64's 128-bit multiplier (NumPy's ``PCG_DEFAULT_MULTIPLIER_128``)."""
_MASK64 = (1 << 64) - 1
_A_HI, _A_LO = np.uint64(MULTIPLIER >> 64), np.uint64(MULTIPLIER & _MASK64)
_I128 = ir.IntType(128)
_I64 = ir.IntType(64)


def _join(builder: ir.IRBuilder, hi: ir.Value, lo: ir.Value) -> ir.Value:
    return builder.or_(builder.shl(builder.zext(hi, _I128), ir.Constant(_I128, 64)), builder.zext(lo, _I128))


def _split(context, builder: ir.IRBuilder, typ, x: ir.Value) -> ir.Value:
    hi = builder.trunc(builder.lshr(x, ir.Constant(_I128, 64)), _I64)
    return context.make_tuple(builder, typ, (hi, builder.trunc(x, _I64)))


@intrinsic
def mul_add(typingctx, a_hi, a_lo, x_hi, x_lo, c_hi, c_lo):
    """``(a * x + c) mod 2**128`` of 128-bit numbers given as (high, low) 64-bit halves."""
    pair = types.UniTuple(types.uint64, 2)
    sig = pair(types.uint64, types.uint64, types.uint64, types.uint64, types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        a, x, c = (_join(builder, args[i], args[i + 1]) for i in (0, 2, 4))
        return _split(context, builder, pair, builder.add(builder.mul(a, x), c))

    return sig, codegen


@intrinsic
def to_double(typingctx, hi, lo):
    """The double a PCG64 state gives: ``(rotr(hi ^ lo, hi >> 58) >> 11) * 2**-53``."""
    sig = types.float64(types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        hi, lo = args
        x = builder.xor(hi, lo)
        r = builder.lshr(hi, ir.Constant(_I64, 58))
        left = builder.and_(builder.sub(ir.Constant(_I64, 0), r), ir.Constant(_I64, 63))
        rotated = builder.or_(builder.lshr(x, r), builder.shl(x, left))
        top = builder.uitofp(builder.lshr(rotated, ir.Constant(_I64, 11)), ir.DoubleType())
        return builder.fmul(top, ir.Constant(ir.DoubleType(), 1.0 / 9007199254740992.0))

    return sig, codegen


@njit(cache=True)
def _jumps(inc_hi: np.uint64, inc_lo: np.uint64, n_bits: int) -> np.ndarray:
    """Rows ``j``: ``(A, C)`` of ``2**j`` steps, ``x -> A x + C`` (as 4 uint64 halves)."""
    out = np.empty((n_bits, 4), np.uint64)
    a_hi, a_lo = _A_HI, _A_LO
    c_hi, c_lo = inc_hi, inc_lo
    zero, one = np.uint64(0), np.uint64(1)
    for j in range(n_bits):
        out[j, 0], out[j, 1], out[j, 2], out[j, 3] = a_hi, a_lo, c_hi, c_lo
        # 2**(j+1) steps: A' = A * A, C' = C * (A + 1)
        ap1_hi, ap1_lo = mul_add(zero, one, a_hi, a_lo, zero, one)
        c_hi, c_lo = mul_add(c_hi, c_lo, ap1_hi, ap1_lo, zero, zero)
        a_hi, a_lo = mul_add(a_hi, a_lo, a_hi, a_lo, zero, zero)
    return out


@leaf
def _jump(s_hi: np.uint64, s_lo: np.uint64, steps: int, table: np.ndarray) -> tuple[np.uint64, np.uint64]:
    j = 0
    while steps:
        if steps & 1:
            s_hi, s_lo = mul_add(table[j, 0], table[j, 1], s_hi, s_lo, table[j, 2], table[j, 3])
        steps >>= 1
        j += 1
    return s_hi, s_lo


@njit(cache=True)
def _steps_table(inc_hi: np.uint64, inc_lo: np.uint64, n: int) -> np.ndarray:
    """Rows ``k``: ``(A, C)`` of ``k`` steps, ``k = 0 .. n - 1`` (as 4 uint64 halves)."""
    out = np.empty((n, 4), np.uint64)
    zero, one = np.uint64(0), np.uint64(1)
    a_hi, a_lo, c_hi, c_lo = zero, one, zero, zero
    for k in range(n):
        out[k, 0], out[k, 1], out[k, 2], out[k, 3] = a_hi, a_lo, c_hi, c_lo
        # k + 1 steps: A' = a A, C' = a C + c
        a_hi, a_lo = mul_add(_A_HI, _A_LO, a_hi, a_lo, zero, zero)
        c_hi, c_lo = mul_add(_A_HI, _A_LO, c_hi, c_lo, inc_hi, inc_lo)
    return out


NEAR = 256
"""Gaps between wanted draws below this are one table look-up (:func:`_steps_table`)."""


@njit(cache=True)
def _uniforms_at(s_hi: np.uint64, s_lo: np.uint64, inc_hi: np.uint64, inc_lo: np.uint64,
                 positions: np.ndarray, n: int) -> tuple[np.ndarray, np.uint64, np.uint64]:
    table = _jumps(inc_hi, inc_lo, 64)
    near = _steps_table(inc_hi, inc_lo, NEAR)
    out = np.empty(len(positions))
    done = 0  # steps taken
    for k in range(len(positions)):
        p = positions[k]
        gap = p + 1 - done
        if gap < NEAR:
            s_hi, s_lo = mul_add(near[gap, 0], near[gap, 1], s_hi, s_lo, near[gap, 2], near[gap, 3])
        else:
            s_hi, s_lo = _jump(s_hi, s_lo, gap, table)
        done = p + 1
        out[k] = to_double(s_hi, s_lo)
    s_hi, s_lo = _jump(s_hi, s_lo, n - done, table)
    return out, s_hi, s_lo


@njit(cache=True)
def _fill(s_hi: np.uint64, s_lo: np.uint64, inc_hi: np.uint64, inc_lo: np.uint64,
          out: np.ndarray) -> tuple[np.uint64, np.uint64]:
    n = out.size
    flat = out.reshape(n)
    if n < 16:  # a few draws: one chain, no table of jumps
        for i in range(n):
            s_hi, s_lo = mul_add(_A_HI, _A_LO, s_hi, s_lo, inc_hi, inc_lo)
            flat[i] = to_double(s_hi, s_lo)
        return s_hi, s_lo
    table = _jumps(inc_hi, inc_lo, 3)
    a4_hi, a4_lo, c4_hi, c4_lo = table[2, 0], table[2, 1], table[2, 2], table[2, 3]
    a1_hi, a1_lo, c1_hi, c1_lo = table[0, 0], table[0, 1], table[0, 2], table[0, 3]
    # four chains, draws i, i + 1, i + 2, i + 3
    h0, l0 = mul_add(a1_hi, a1_lo, s_hi, s_lo, c1_hi, c1_lo)
    h1, l1 = mul_add(a1_hi, a1_lo, h0, l0, c1_hi, c1_lo)
    h2, l2 = mul_add(a1_hi, a1_lo, h1, l1, c1_hi, c1_lo)
    h3, l3 = mul_add(a1_hi, a1_lo, h2, l2, c1_hi, c1_lo)
    i = 0
    while i + 4 <= n:
        flat[i] = to_double(h0, l0)
        flat[i + 1] = to_double(h1, l1)
        flat[i + 2] = to_double(h2, l2)
        flat[i + 3] = to_double(h3, l3)
        s_hi, s_lo = h3, l3
        h0, l0 = mul_add(a4_hi, a4_lo, h0, l0, c4_hi, c4_lo)
        h1, l1 = mul_add(a4_hi, a4_lo, h1, l1, c4_hi, c4_lo)
        h2, l2 = mul_add(a4_hi, a4_lo, h2, l2, c4_hi, c4_lo)
        h3, l3 = mul_add(a4_hi, a4_lo, h3, l3, c4_hi, c4_lo)
        i += 4
    while i < n:  # the last few, one chain
        s_hi, s_lo = mul_add(a1_hi, a1_lo, s_hi, s_lo, c1_hi, c1_lo)
        flat[i] = to_double(s_hi, s_lo)
        i += 1
    return s_hi, s_lo


@njit(cache=True)
def _fill_live(words: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out`` filled with the next ``out.size`` draws of the live state ``words``
    (:func:`state_words`), which moves on past them."""
    s_hi, s_lo = _fill(words[1], words[0], words[3], words[2], out)
    words[1], words[0] = s_hi, s_lo
    return out


@leaf
def live_uniform(words: np.ndarray) -> float:
    """``rng.random()`` of the stream whose live state is ``words`` (:func:`state_words`),
    one draw in compiled code: the same double, the stream moved on by one step."""
    s_hi, s_lo = mul_add(_A_HI, _A_LO, words[1], words[0], words[3], words[2])
    words[1], words[0] = s_hi, s_lo
    return to_double(s_hi, s_lo)


@njit(cache=True)
def live_uniforms(words: np.ndarray, n: int) -> np.ndarray:
    """``rng.random(n)`` of the stream whose live state is ``words`` (:func:`state_words`),
    in compiled code: the same doubles, and the stream left where NumPy leaves it."""
    return _fill_live(words, np.empty(n))


@njit(cache=True)
def live_uniforms_2d(words: np.ndarray, n: int, m: int) -> np.ndarray:
    """``rng.random((n, m))`` as :func:`live_uniforms` makes it."""
    return _fill_live(words, np.empty((n, m)))


@njit(cache=True)
def live_uniforms_into(words: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out`` (C-contiguous) filled as :func:`live_uniforms_2d` makes an array of its
    shape (the same doubles, the stream moved on as far): a caller's scratch, no new array."""
    return _fill_live(words, out)


def state_words(rng: np.random.Generator) -> np.ndarray:
    """The live 128-bit state and increment of a PCG64 stream, as four uint64 words
    (state low, high; increment low, high): a view of the memory NumPy's generator
    draws from (through the documented ``bit_generator.ctypes.state`` pointer, whose
    struct begins with a pointer to the state and increment), so that compiled
    draws (:func:`live_uniforms`) move the stream itself on. Checked against
    ``bit_generator.state`` when made; valid while ``rng`` lives."""
    bits = rng.bit_generator
    full = bits.state
    if full.get("bit_generator") != "PCG64":
        raise TypeError(f"a PCG64 stream is needed, got {full.get('bit_generator')!r}")
    address = ctypes.c_void_p.from_address(bits.ctypes.state_address).value
    words = np.ctypeslib.as_array((ctypes.c_uint64 * 4).from_address(address))
    s, inc = full["state"]["state"], full["state"]["inc"]
    want = [s & _MASK64, s >> 64, inc & _MASK64, inc >> 64]
    if words.tolist() != want:
        raise RuntimeError("this NumPy keeps the PCG64 state in another layout: compiled draws cannot use it")
    return words


@njit(cache=True)
def _uniforms_at_live(words: np.ndarray, positions: np.ndarray, n: int) -> np.ndarray:
    last = -1
    for p in positions:  # checked before any draw: the stream stays where it was
        if not last < p < n:
            raise ValueError("positions must rise strictly, within [0, n)")
        last = p
    out, s_hi, s_lo = _uniforms_at(words[1], words[0], words[3], words[2], positions, n)
    words[1], words[0] = s_hi, s_lo
    return out


LIVE_VIEWS = 256
"""Streams whose :func:`state_words` :func:`live_state` keeps (the oldest made is
dropped beyond this many)."""
_live: ObjectMemo[np.random.Generator, np.ndarray] = ObjectMemo(LIVE_VIEWS)


def live_state(rng: np.random.Generator) -> np.ndarray:
    """:func:`state_words` of ``rng``, made once (kept with the generator,
    ``sim.memo.ObjectMemo``): for compiled kernels that draw from the stream themselves
    (:func:`live_uniforms`, :func:`live_uniforms_2d`)."""
    return _live.get(rng, state_words)


def uniforms_at(rng: np.random.Generator, positions: np.ndarray, n: int) -> np.ndarray:
    """``rng.random(n)[positions]`` (``positions`` rising, each below ``n``), leaving
    ``rng`` as ``rng.random(n)`` would, without making the other draws."""
    return _uniforms_at_live(live_state(rng), np.asarray(positions, dtype=np.int64), int(n))


def fill_uniforms(rng: np.random.Generator, shape: int | tuple[int, ...]) -> np.ndarray:
    """``rng.random(shape)``: the same doubles, made in compiled code."""
    return _fill_live(live_state(rng), np.empty(shape))
