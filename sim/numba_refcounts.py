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
"""

from __future__ import annotations

import re

from sim.numba_footprint import patchable

ENV = "STREETSIM_INLINE_REFCOUNTS"
REFCOUNT_FUNCTIONS = ("NRT_incref", "NRT_decref")
_NAMES = "|".join(REFCOUNT_FUNCTIONS)
_DEFINITION = re.compile(
    rf"^(define linkonce_odr void @(?:{_NAMES})\([^)\n]*\)[^#{{\n]*)#\d+ \{{$", re.MULTILINE)
"""A definition of one of the two, linked into a library's module (its attribute group
``#N`` holds ``noinline``)."""
_INLINE_GROUP = "#918273"
"""The attribute group given to them instead (a number LLVM's printer does not reach)."""

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


def inlined(module, codegen_):
    """A copy of the LLVM ``module`` (a numba library's final module, optimised) with the
    reference count functions inlined and the code around them simplified; None when
    there is nothing to inline or the copy cannot be made (numba's module is used)."""
    if not _defines_refcounts(module):
        return None
    import llvmlite.binding as ll

    text = inlined_text(str(module))
    if text is None:
        return None
    try:
        copy = ll.parse_assembly(text)
        copy.name = module.name
        passes = ll.create_new_module_pass_manager()
        passes.add_always_inliner_pass()
        passes.add_instruction_combine_pass()
        passes.add_simplify_cfg_pass()
        passes.run(copy, codegen_._pass_builder())
        copy.verify()
    except Exception:  # noqa: BLE001 - anything unforeseen: numba's own module is compiled
        return None
    return copy
