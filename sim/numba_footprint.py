"""Less of numba's per-process memory and start-up: its runtime module from the kernel
cache, and the cached kernels' bitcode parsed only when something needs it.

Each process that loads numba's cached kernels paid for things a run never uses:

* **The runtime module.** Before it loads or compiles anything, numba compiles a small
  LLVM module of its runtime (reference counting, atomic adds) through LLVM's whole
  optimiser and code generator. That takes ~30 ms and touches ~19 MB of LLVM's library
  file (~30 MB right after ``pip install``, when the file sits in the page cache in
  large blocks); numba caches kernels but not this module. :func:`install` makes numba
  keep it in the kernel cache as object code, as it keeps every kernel: the first
  process compiles and stores it, the others load it (~4 ms, none of that code touched).
* **The bitcode.** Numba loads a cached kernel's object code and also parses the LLVM
  bitcode stored with it (~0.2 s for a street run's 33 libraries, 2.4 MB of bitcode)
  into a module kept for the process's life. It reads the module's defined symbols
  (for its checks that a symbol exists) and keeps the module for a later compilation
  that links that kernel in. A run compiles nothing. :func:`install` reads the defined
  symbols from the object code's own symbol table instead (ELF, a few milliseconds;
  elsewhere numba parses as before) and keeps the bitcode's bytes, parsed when a
  compilation links the kernel in, or when a symbol is looked up that no object
  defines (then every kernel's bitcode is parsed, so the answer is numba's own: the
  bitcode also names a kernel's private constants, which its object does not export).

Neither changes any compiled code or result: the runtime's object code is what numba
compiles for it (stored with a hash of its bytes and keyed by the numba, llvmlite and
Python versions, the CPU and the optimisation level), and the modules are the same
bitcode, parsed later. A numba outside the versions this was written against (0.60 to
0.69, :data:`NUMBA_VERSIONS`), or without the internals used, is left as it is;
``STREETSIM_NUMBA_FOOTPRINT=0`` leaves it as it is too. ``tests/test_numba_footprint.py``
checks both parts, and a run's tables with and without.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import struct
import sys
import tempfile
from pathlib import Path

ENV = "STREETSIM_NUMBA_FOOTPRINT"
RUNTIME_NAME = "nrt"
"""The name numba gives its runtime's library (``nrtdynmod.create_nrt_module``)."""

NUMBA_VERSIONS = ((0, 60), (0, 70))
"""numba versions (from, up to but not including) whose ``CPUCodeLibrary._unserialize``
and runtime set-up this module replaces as written (0.60 to 0.69 share them; a later
numba loads cached objects through another engine), and whose library finalisation
:mod:`sim.numba_refcounts` wraps."""

_installed = False


def supported_numba(version: str) -> bool:
    """Whether numba ``version`` lies within :data:`NUMBA_VERSIONS`."""
    try:
        major_minor = tuple(int(p) for p in version.split(".")[:2])
    except ValueError:
        return False
    return NUMBA_VERSIONS[0] <= major_minor < NUMBA_VERSIONS[1]


def patchable(env: str) -> bool:
    """Whether numba may be patched: the switch ``env`` is not ``"0"`` and numba is
    installed, at a version within :data:`NUMBA_VERSIONS`."""
    if os.environ.get(env, "1") == "0":
        return False
    try:
        import numba
    except ImportError:
        return False
    return supported_numba(numba.__version__)


def install() -> bool:
    """Install both parts (once per process; before numba loads or compiles a kernel);
    returns whether they are in force: only for the numba versions whose internals they
    were written against (:data:`NUMBA_VERSIONS`, those ``pyproject.toml`` allows)."""
    global _installed
    if _installed or not patchable(ENV):
        return _installed
    import llvmlite.binding as ll
    from numba.core import codegen
    from numba.core.runtime import nrtdynmod

    library_class, engine_class = codegen.CPUCodeLibrary, codegen.JitEngine
    needed = (hasattr(nrtdynmod, "compile_nrt_functions") and hasattr(nrtdynmod, "create_nrt_module")
              and all(hasattr(library_class, a) for a in (
                  "_unserialize", "_get_module_for_linking", "serialize_using_object_code",
                  "enable_object_caching", "_set_compiled_object", "_finalize_final_module"))
              and all(hasattr(engine_class, a) for a in ("is_symbol_defined", "_load_defined_symbols")))
    if not needed:
        return False
    compile_runtime = nrtdynmod.compile_nrt_functions
    unserialize = library_class._unserialize.__func__
    module_for_linking = library_class._get_module_for_linking
    symbol_defined = engine_class.is_symbol_defined

    def runtime_library(ctx):
        """numba's runtime library: loaded from the kernel cache, or compiled (and stored)."""
        cached = _runtime_path(ctx.codegen())
        library = _load_runtime(ctx.codegen(), cached) if cached else None
        if library is None:
            library = _compile_runtime(ctx, nrtdynmod, cached) if cached else compile_runtime(ctx)
        return library

    def lean_unserialize(cls, codegen_, state):
        """numba's ``_unserialize`` of a cached kernel's object code, its bitcode kept
        unparsed and its defined symbols read from the object's symbol table."""
        name, kind, data = state
        symbols = defined_symbols(data[0]) if kind == "object" and name != RUNTIME_NAME else None
        if symbols is None:  # the runtime's (linked into every compilation), or not ELF
            return unserialize(cls, codegen_, state)
        object_code, bitcode = data
        library = codegen_.create_library(name)
        library.enable_object_caching()
        library._set_compiled_object(object_code)
        library._shared_module = None
        library._streetsim_bitcode = bitcode
        library._finalize_final_module()
        engine = library._codegen._engine
        engine._defined_symbols |= symbols
        engine.__dict__.setdefault("_streetsim_unparsed", []).append(bitcode)
        return library

    def module_on_demand(self):
        if self._shared_module is None and getattr(self, "_streetsim_bitcode", None) is not None:
            self._shared_module = ll.parse_bitcode(self._streetsim_bitcode)
        return module_for_linking(self)

    def symbol_defined_or_parsed(self, name):
        if symbol_defined(self, name):
            return True
        unparsed = self.__dict__.get("_streetsim_unparsed")
        while unparsed:
            self._load_defined_symbols(ll.parse_bitcode(unparsed.pop()))
        return symbol_defined(self, name)

    nrtdynmod.compile_nrt_functions = runtime_library
    library_class._unserialize = classmethod(lean_unserialize)
    library_class._get_module_for_linking = module_on_demand
    engine_class.is_symbol_defined = symbol_defined_or_parsed
    _installed = True
    return True


def defined_symbols(object_code: bytes) -> set[str] | None:
    """The names of the functions and data an ELF64 little-endian object file defines
    (global, weak and local symbols of a section; what numba reads from the bitcode,
    less its private constants), or None for another format or a file it cannot read."""
    try:
        if object_code[:6] != b"\x7fELF\x02\x01":
            return None
        shoff = struct.unpack_from("<Q", object_code, 0x28)[0]
        shentsize, shnum = struct.unpack_from("<HH", object_code, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", object_code, shoff + i * shentsize)
                    for i in range(shnum)]
        names: set[str] = set()
        for _, kind, _, _, offset, size, link, _, _, entsize in sections:
            if kind != 2 or not entsize:  # SHT_SYMTAB
                continue
            strings = sections[link][4]
            for k in range(size // entsize):
                name, info, _, section = struct.unpack_from("<IBBH", object_code, offset + k * entsize)
                # a defined function or object (STT_OBJECT 1, STT_FUNC 2) with a name
                if name and section != 0 and (info & 0xF) in (1, 2):
                    end = object_code.index(b"\0", strings + name)
                    names.add(object_code[strings + name:end].decode("utf-8"))
        return names
    except (struct.error, ValueError, IndexError, UnicodeDecodeError):
        return None


def _runtime_path(codegen_) -> Path | None:
    """Where the runtime's object code is kept for this numba, llvmlite, Python, CPU and
    optimisation level: numba's cache folder (None when numba has none set)."""
    import llvmlite
    import numba
    from numba.core import config

    folder = getattr(config, "CACHE_DIR", "")
    if not folder:
        return None
    try:
        machine = codegen_.magic_tuple()
    except AttributeError:
        return None
    key = repr((numba.__version__, llvmlite.__version__, sys.version, machine, config.OPT))
    return Path(folder) / f"numba-runtime-{hashlib.sha256(key.encode()).hexdigest()[:16]}.nbo"


def _load_runtime(codegen_, path: Path):
    """The runtime library stored at ``path``, or None (no file, or not whole)."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    digest, payload = blob[:32], blob[32:]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        state = pickle.loads(payload)
        name, kind, (obj, bitcode) = state
    except Exception:  # noqa: BLE001 - anything unreadable is recompiled
        return None
    if (name, kind) != (RUNTIME_NAME, "object") or not all(isinstance(b, bytes) for b in (obj, bitcode)):
        return None
    try:
        return codegen_.unserialize_library(state)
    except Exception:  # noqa: BLE001 - fails before numba's engine takes the module: recompiled
        return None


def _compile_runtime(ctx, nrtdynmod, path: Path):
    """Compile the runtime library as numba does, keeping its object code at ``path``
    (written whole or not at all: a temporary file renamed; a folder that cannot be
    written is skipped)."""
    ir_module, library = nrtdynmod.create_nrt_module(ctx)
    library.enable_object_caching()
    library.add_ir_module(ir_module)
    library.finalize()
    if library.has_dynamic_globals:  # addresses of this process: not storable
        return library
    try:
        payload = pickle.dumps(library.serialize_using_object_code(), protocol=pickle.HIGHEST_PROTOCOL)
    except (RuntimeError, ValueError):  # no object code kept: nothing to store
        return library
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return library
