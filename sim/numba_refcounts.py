"""numba's reference counts inlined into the compiled kernels' machine code.

A compiled function counts its references to arrays by calling two small functions of
numba's runtime, ``NRT_incref`` and ``NRT_decref`` (a test of a null pointer, then an
atomic add). Numba marks them ``noinline``, so that its pruning pass, which removes the
increments and decrements that cancel, can find the calls; the calls left after pruning
stay calls in the machine code. In a street run they took ~6% of the time
(``benchmarks/profile_perf.py``), mostly the calls themselves: many are for arrays
:func:`sim.compiled.borrowed` left without a count, whose whole work is the null test.

:func:`install` makes numba turn each library it compiles into machine code from a copy
of its final module in which the two functions are inlined, after numba's own
optimisation and pruning (then LLVM's instruction combining and control-flow
simplification, so that the test of a pointer known to be null folds away). The module
numba keeps (linked into later compilations that call the library, stored as bitcode in
the kernel cache, shown by ``inspect_llvm``) is the one numba made, so the pruning of a
caller still sees the calls. Cached object code keeps whatever was compiled into it.

It changes no result: the same operations, inlined (``tests/test_numba_refcounts.py``;
``scripts/snapshot_tables.py`` found every table of its runs identical). A numba outside
the versions it was written against (``sim.numba_footprint.NUMBA_VERSIONS``), an llvmlite without the new
pass manager, or a module whose text it does not recognise, is left as it is;
``STREETSIM_INLINE_REFCOUNTS=0`` leaves numba as it is too for what compiles from then
on (kernels already in the cache keep their code: remove ``sim/__pycache__/kernels-*``
to compile them all again).

Plain counts. The inlined count is an atomic add or subtract (a locked instruction,
~20 cycles where a plain one takes one or two), so that threads running compiled code
without the GIL can share an array. No kernel of this package releases the GIL (none
is compiled ``nogil`` or ``parallel``: ``tests/test_numba_refcounts.py`` reads every
source for them), so in the machine code of the project's own libraries the counts are
plain loads, adds and stores (:func:`plain_text`; ~0.5-1.5% of a street run, measured
in alternating runs: ``docs/performance.md``). A library gets
them only when every function it exports is a kernel of :data:`PLAIN_PACKAGES`, its
wrapper does not release the GIL (no call of ``PyEval_SaveThread``), and the
interpreter has a GIL (not a free-threaded build); the functions linked into it from
other libraries (numba's sorts, other kernels) are made internal to it, so that no code
compiled later can bind to a copy with plain counts. ``STREETSIM_PLAIN_REFCOUNTS=0``
keeps the atomic counts (still inlined).
"""

from __future__ import annotations

import os
import re
import sys

from sim.numba_footprint import patchable

ENV = "STREETSIM_INLINE_REFCOUNTS"
PLAIN_ENV = "STREETSIM_PLAIN_REFCOUNTS"
PLAIN_PACKAGES = ("sim",)
"""Top-level packages whose libraries get plain counts (their kernels hold the GIL)."""
REFCOUNT_FUNCTIONS = ("NRT_incref", "NRT_decref")
_NAMES = "|".join(REFCOUNT_FUNCTIONS)
_DEFINITION = re.compile(
    rf"^(define linkonce_odr void @(?:{_NAMES})\([^)\n]*\)[^#{{\n]*)#\d+ \{{$", re.MULTILINE)
"""A definition of one of the two, linked into a library's module (its attribute group
``#N`` holds ``noinline``)."""
_INLINE_GROUP = "#918273"
"""The attribute group given to them instead (a number LLVM's printer does not reach)."""
_BODY = re.compile(rf"^define linkonce_odr void @(?:{_NAMES})\(.*?^\}}$", re.MULTILINE | re.DOTALL)
"""The whole definition of one of the two (up to its closing brace)."""
_VALUE = r"%[-\w.$]+"
_ATOMIC_RMW = re.compile(rf"^(\s*)({_VALUE}) = atomicrmw (add|sub) ptr ({_VALUE}), i64 1 monotonic, align 8$",
                         re.MULTILINE)
"""An atomic add or subtract of 1 (its value: the count before)."""
_ATOMIC_SUB_ZERO = re.compile(
    rf"^(\s*)({_VALUE}) = tail call i8 @llvm\.x86\.atomic\.sub\.cc\.i64\(ptr (?:nonnull )?({_VALUE}), i64 1, "
    rf"i32 4\)\n\s*({_VALUE}) = trunc i8 \2 to i1$", re.MULTILINE)
"""x86's atomic subtract of 1 with a test of the count reaching 0 (condition code 4:
zero), as LLVM writes ``atomicrmw sub`` followed by that test."""
_FENCE = re.compile(r"^\s*fence (?:release|acquire)\n", re.MULTILINE)
_NEW_COUNT = "%streetsim.count"
_KERNEL_NAME = re.compile(r"^(?:cfunc\.)?_ZN(?:7cpython)?(\d+)")
"""A compiled function's mangled name: its wrappers' prefixes, then the length of the
first part of its module's name (``_ZN3sim10mechanisms...``)."""

_installed = False


def install() -> bool:
    """Wrap numba's finalisation of a compiled library (once per process; before numba
    compiles a kernel); returns whether it is in force."""
    global _installed
    if _installed or not patchable(ENV):
        return _installed
    import llvmlite.binding as ll
    from numba.core import codegen

    library_class = codegen.CPUCodeLibrary
    if not (hasattr(ll, "create_new_module_pass_manager") and hasattr(codegen.CPUCodegen, "_pass_builder")
            and hasattr(library_class, "_finalize_final_module")):
        return False
    finalize = library_class._finalize_final_module

    def finalize_inlined(self) -> None:
        """numba's ``_finalize_final_module``, its machine code made from
        :func:`inlined` of the final module (which stays as it was)."""
        module = self._final_module
        machine = inlined(module, self._codegen)
        if machine is None:
            finalize(self)
            return
        self._final_module = machine
        try:
            finalize(self)
        finally:
            self._final_module = module

    library_class._finalize_final_module = finalize_inlined
    _installed = True
    return True


def _defines_refcounts(module) -> bool:
    """Whether the LLVM ``module`` defines (not only declares) a reference count function."""
    for name in REFCOUNT_FUNCTIONS:
        try:
            if not module.get_function(name).is_declaration:
                return True
        except NameError:
            continue
    return False


def inlined_text(ir: str) -> str | None:
    """The LLVM IR ``ir`` with the linked-in definitions of ``NRT_incref`` and
    ``NRT_decref`` marked ``alwaysinline`` instead of ``noinline``; None when it has none
    (or none in the form numba writes)."""
    marked, n = _DEFINITION.subn(rf"\g<1>{_INLINE_GROUP} {{", ir)
    if n == 0:
        return None
    return marked + f"\nattributes {_INLINE_GROUP} = {{ alwaysinline nounwind }}\n"


def plain_text(ir: str) -> str | None:
    """The LLVM IR ``ir`` (from :func:`inlined_text`) with the two functions' atomic
    counts made plain loads, adds or subtracts and stores, their fences dropped; None when
    either holds an atomic operation in a form not known here."""

    def plain(match: re.Match) -> str:
        body = _FENCE.sub("", match.group(0))
        body = _ATOMIC_RMW.sub(lambda m: (f"{m[1]}{m[2]} = load i64, ptr {m[4]}, align 8\n"
                                          f"{m[1]}{_NEW_COUNT} = {m[3]} i64 {m[2]}, 1\n"
                                          f"{m[1]}store i64 {_NEW_COUNT}, ptr {m[4]}, align 8"), body)
        body = _ATOMIC_SUB_ZERO.sub(lambda m: (f"{m[1]}{m[2]} = load i64, ptr {m[3]}, align 8\n"
                                               f"{m[1]}{_NEW_COUNT} = sub i64 {m[2]}, 1\n"
                                               f"{m[1]}store i64 {_NEW_COUNT}, ptr {m[3]}, align 8\n"
                                               f"{m[1]}{m[4]} = icmp eq i64 {_NEW_COUNT}, 0"), body)
        if "atomic" in body or "fence" in body:
            raise ValueError(body)
        return body

    try:
        out, n = _BODY.subn(plain, ir)
    except ValueError:
        return None
    return out if n else None


def plain_allowed(module, text: str) -> bool:
    """Whether the library of the LLVM ``module`` (whose text is ``text``) may have
    plain counts: switched on,
    an interpreter with a GIL, every exported function a kernel of
    :data:`PLAIN_PACKAGES` (at least one), and no wrapper releasing the GIL."""
    import llvmlite.binding as ll

    if os.environ.get(PLAIN_ENV, "1") == "0" or not getattr(sys, "_is_gil_enabled", lambda: True)():
        return False
    exported = [f.name for f in module.functions if not f.is_declaration and f.linkage == ll.Linkage.external]
    return (bool(exported) and all(of_plain_package(name) for name in exported)
            and "@PyEval_SaveThread" not in text)


def of_plain_package(name: str) -> bool:
    """Whether the compiled function ``name`` (mangled, or a wrapper's name) is a kernel
    of a module of :data:`PLAIN_PACKAGES`."""
    match = _KERNEL_NAME.match(name)
    if match is None:
        return False
    size = int(match.group(1))
    return name[match.end():match.end() + size] in PLAIN_PACKAGES


def inlined(module, codegen_):
    """A copy of the LLVM ``module`` (a numba library's final module, optimised) with the
    reference count functions inlined (with plain counts where :func:`plain_allowed`,
    the linked-in functions then made internal) and the code around them simplified;
    None when there is nothing to inline or the copy cannot be made (numba's module is
    used)."""
    if not _defines_refcounts(module):
        return None
    import llvmlite.binding as ll

    ir = str(module)
    text = inlined_text(ir)
    if text is None:
        return None
    plain = plain_allowed(module, ir) and plain_text(text)
    try:
        copy = ll.parse_assembly(plain or text)
        copy.name = module.name
        if plain:
            for function in copy.functions:
                if not function.is_declaration and function.linkage == ll.Linkage.linkonce_odr:
                    function.linkage = ll.Linkage.internal
        passes = ll.create_new_module_pass_manager()
        passes.add_always_inliner_pass()
        passes.add_instruction_combine_pass()
        passes.add_simplify_cfg_pass()
        passes.run(copy, codegen_._pass_builder())
        copy.verify()
    except Exception:  # noqa: BLE001 - anything unforeseen: numba's own module is compiled
        return None
    return copy
