"""On-disk caching of compiled numba CPU kernels that are closures.

``numba.njit(cache=True)`` keys a closure's cache entry by the pickled contents of its cells;
the kernels of the verifier close over other compiled functions (the generated moment
formulas; on the evidence side the hash and Box-Muller), whose pickles carry a per-process
id, so every process would miss the cache and add a new entry.  :func:`cached` gives a dispatcher a cache keyed instead by a
*content fingerprint*: the bytecode and constants of the function, and recursively of every
function, closure cell and global it refers to (numbers by value, modules by name).  A second
process with the same code finds the entry; a change anywhere in that tree changes the key.

>>> fingerprint(lambda x: x + 1) == fingerprint(lambda x: x + 1), fingerprint(lambda x: x + 2) == fingerprint(lambda x: x + 1)
(True, False)
"""
from __future__ import annotations

import hashlib
import types

import numpy as np
from numba.core.caching import FunctionCache


def fingerprint(obj, _seen=None):
    """A stable digest (bytes) of ``obj``'s content: code, constants, closures and globals of
    functions and compiled dispatchers, recursively; values of numbers and strings."""
    seen = set() if _seen is None else _seen
    py_func = getattr(obj, "py_func", None)
    if py_func is not None:                        # a numba dispatcher
        obj = py_func
    if isinstance(obj, types.FunctionType):
        if id(obj) in seen:
            return b"<recursion>"
        seen.add(id(obj))
        parts = [_code(obj.__code__), repr(obj.__defaults__).encode()]
        parts += [fingerprint(c.cell_contents, seen) for c in obj.__closure__ or ()]
        for name in _names(obj.__code__):
            if name in obj.__globals__:
                parts.append(name.encode() + b"=" + fingerprint(obj.__globals__[name], seen))
        return hashlib.sha256(b"|".join(parts)).digest()
    if isinstance(obj, types.ModuleType):
        return b"module:" + obj.__name__.encode()
    if isinstance(obj, (bool, int, float, complex, str, bytes, type(None), np.generic, np.dtype)):
        return repr((type(obj).__name__, obj)).encode()
    if isinstance(obj, (tuple, list)):
        return b"(" + b",".join(fingerprint(v, seen) for v in obj) + b")"
    if isinstance(obj, np.ndarray):
        return hashlib.sha256(obj.tobytes() + str(obj.dtype).encode() + str(obj.shape).encode()).digest()
    name = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{getattr(obj, '__module__', '')}.{name}".encode()


def _code(code):
    consts = b",".join(_code(c) if isinstance(c, types.CodeType) else repr(c).encode() for c in code.co_consts)
    return hashlib.sha256(code.co_code + b"|" + consts + b"|" + " ".join(code.co_names).encode()).digest()


def _names(code):
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _names(c)
    return sorted(names)


class _FingerprintCache(FunctionCache):
    """numba's function cache, its index keyed by :func:`fingerprint` and the compile options
    (``parallel``, ...) instead of pickles."""

    def __init__(self, py_func, options):
        super().__init__(py_func)
        self._options = repr(sorted((k, repr(v)) for k, v in options.items()))

    def _index_key(self, sig, codegen):
        return (sig, codegen.magic_tuple(), (fingerprint(self._py_func).hex(), self._options))


def cached(dispatcher):
    """Give the numba CPU ``dispatcher`` an on-disk cache keyed by content (see above); a
    dispatcher whose file cannot hold a cache keeps compiling in memory."""
    try:
        dispatcher._cache = _FingerprintCache(dispatcher.py_func, dispatcher.targetoptions)
    except RuntimeError:        # no locator (e.g. a function without a source file)
        pass
    return dispatcher
