r"""The schema's fields: JSON values of exact types, decimals bounded before they are built.

Each function takes a parsed JSON value and the field's name, and returns the value (or its
exact rational) or raises :class:`Malformed` naming the field:

- :func:`obj`: exactly the required keys and some of the optional ones;
- :func:`text`: a printable string (no terminal escapes) of at most :data:`MAX_TEXT` characters;
- :func:`decimal`: ``[+-]digits[.digits][e[+-]digits]``, at most :data:`MAX_DECIMAL_CHARS`
  characters, decimal exponent in ``[-MAX_EXPONENT, MAX_EXPONENT]``, checked *before* any
  :class:`fractions.Fraction` is built (``1e-999999999`` would build ``10**999999999``);
- :func:`number`: a float, never NaN, finite unless allowed, never an int or a bool.

Example
-------
>>> decimal("1.5e-3", "bound")
Fraction(3, 2000)
>>> try:
...     decimal("1e-999999999", "claim.bound")
... except Malformed as exc:
...     print(exc)
claim.bound: decimal exponent out of range [-1000, 1000]
"""
from __future__ import annotations

import math
import re
from fractions import Fraction

from ...claims import VARIABLES

MAX_DECIMAL_CHARS = 2000
MAX_EXPONENT = 1000
MAX_TEXT = 1000

_DECIMAL = re.compile(r"([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?")
HEX = re.compile(r"[0-9a-f]{64}")


class Malformed(ValueError):
    """A certificate that does not have the schema's shape: ``field: reason``."""

    def __init__(self, where, reason):
        super().__init__(f"{where}: {reason}")
        self.where = where


def _kind(x):
    return "null" if x is None else {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
                                     int: "an integer", float: "a number"}.get(type(x), type(x).__name__)


def typed(x, t, where, what):
    if type(x) is not t:
        raise Malformed(where, f"{what} expected, got {_kind(x)}")
    return x


def obj(x, where, required, optional=()):
    """A JSON object with exactly the ``required`` keys and some of the ``optional`` ones."""
    typed(x, dict, where, "an object")
    missing = [k for k in required if k not in x]
    unknown = sorted(k for k in x if k not in required and k not in optional)
    if missing:
        raise Malformed(where, f"missing key {missing[0]!r}")
    if unknown:
        raise Malformed(where, f"unknown key {unknown[0]!r}")
    return x


def array(x, where, length=None, most=None):
    typed(x, list, where, "an array")
    if length is not None and len(x) != length:
        raise Malformed(where, f"{length} entries expected, got {len(x)}")
    if most is not None and len(x) > most:
        raise Malformed(where, f"at most {most} entries expected, got {len(x)}")
    return x


def text(x, where, choices=None):
    """A printable string of at most :data:`MAX_TEXT` characters (or one of ``choices``)."""
    typed(x, str, where, "a string")
    if choices is not None and x not in choices:
        raise Malformed(where, f"one of {', '.join(map(repr, choices))} expected, got {x[:40]!r}")
    if len(x) > MAX_TEXT or not x.isprintable():
        raise Malformed(where, "a printable string of at most 1000 characters expected")
    return x


def decimal(x, where):
    """The exact value of a decimal string, its size bounded before it is built."""
    typed(x, str, where, "a decimal string")
    if len(x) > MAX_DECIMAL_CHARS:
        raise Malformed(where, f"decimal longer than {MAX_DECIMAL_CHARS} characters")
    match = _DECIMAL.fullmatch(x)
    if not match:
        raise Malformed(where, f"not a decimal number: {x[:40]!r}")
    if match.group(3) is not None and abs(int(match.group(3))) > MAX_EXPONENT:
        raise Malformed(where, f"decimal exponent out of range [-{MAX_EXPONENT}, {MAX_EXPONENT}]")
    return Fraction(x)


#: the mean-field and tube certificates' decimals: at most 40 digits before the point, 60
#: after, an exponent of at most 4 digits and within [-SHORT_EXPONENT, SHORT_EXPONENT]
SHORT_DECIMAL = re.compile(r"[+-]?([0-9]{1,40})(?:\.([0-9]{1,60}))?(?:[eE]([+-]?[0-9]{1,4}))?")
SHORT_EXPONENT = 300


def short_decimal(x, where):
    """The exact value of a decimal text of the short form (:data:`SHORT_DECIMAL`), its size
    bounded by the pattern before the :class:`fractions.Fraction` is built.

    >>> short_decimal("-2.5e-3", "lo")
    Fraction(-1, 400)
    """
    typed(x, str, where, "a decimal text")
    m = SHORT_DECIMAL.fullmatch(x)
    if not m:
        raise Malformed(where, f"not a decimal text: {x[:40]!r}")
    exponent = int(m.group(3) or 0)
    if abs(exponent) > SHORT_EXPONENT:
        raise Malformed(where, f"exponent out of range ({exponent})")
    return Fraction(x)


class Invalid(Exception):
    """A mean-field or tube certificate is malformed (schema): its one-line message."""


def short_decimal_or_invalid(x, where):
    """:func:`short_decimal`, its errors as :class:`Invalid` (the mean-field and tube kernels')."""
    try:
        return short_decimal(x, where)
    except Malformed as exc:
        raise Invalid(str(exc)) from None


def number(x, where, infinite=False):
    """A float (finite unless ``infinite``; never NaN, never an int or a bool)."""
    typed(x, float, where, "a number with a decimal point")
    if math.isnan(x) or (math.isinf(x) and not infinite):
        raise Malformed(where, f"a finite number expected, got {x!r}")
    return x


def float_interval(x, where, positive=False):
    lo, hi = (number(v, f"{where}[{k}]") for k, v in enumerate(array(x, where, 2)))
    if not lo <= hi:
        raise Malformed(where, f"reversed interval [{lo!r}, {hi!r}]")
    if positive and not lo > 0:
        raise Malformed(where, "must be > 0 on the whole interval")
    return lo, hi


def decimal_interval(x, where, positive=False):
    texts = tuple(array(x, where, 2))
    lo, hi = (decimal(v, f"{where}[{k}]") for k, v in enumerate(texts))
    if not lo <= hi:
        raise Malformed(where, f"reversed interval [{texts[0]}, {texts[1]}]")
    if positive and not lo > 0:
        raise Malformed(where, "must be > 0 on the whole interval")
    return texts, (lo, hi)


def point(x, where):
    """``{"mu": d, "omega": d, "nu": d, "tau": d}``: texts and exact values."""
    obj(x, where, VARIABLES)
    return tuple(x[v] for v in VARIABLES), tuple(decimal(x[v], f"{where}.{v}") for v in VARIABLES)
