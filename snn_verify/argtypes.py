"""Validated command-line argument types: each returns the value or raises
``argparse.ArgumentTypeError`` / :class:`UsageError` with a one-line message (exit 2).

Numbers stay decimal strings (``number("0.1")`` is ``"0.1"``), so arbitrary-precision code
reads one tenth, not the nearest double.

>>> number(" 1e-3 "), positive_float("2")
('1e-3', 2.0)
>>> interval(["0.1", "0.10000000000000000001"], "mu")
(0.1, 0.1)
"""
from __future__ import annotations

import argparse
import math
import os
import re
import sys

from snn_verify.errors import InputError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_UNDECIDED = 0, 1, 2, 3


class UsageError(InputError):
    """Bad command-line input: reported on one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) instead of usage dumps, and negative numbers in
    scientific notation (``--gt -1e-300``) read as values, not as options."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

    def error(self, message):
        raise UsageError(message)


# --- argument types -----------------------------------------------------------------------

#: bounds on a number's text, checked before any exact rational is built: ``Fraction`` of
#: ``1e-999999999`` builds 10**999999999 and runs for hours
MAX_EXPONENT = 1000
MAX_LENGTH = 2000
#: a decimal: sign, integer digits, fraction digits, exponent (underscores already removed)
_DECIMAL = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?", re.ASCII)
#: the least positive double
LEAST_DOUBLE = 5e-324


def number(text):
    """A finite real number written as a decimal.  Returns its text (stripped, without
    underscores), so arbitrary-precision code can parse it as a decimal ("0.1" is one tenth,
    not the nearest double).

    Checked in this order, each without building a large number, so any input answers at
    once: at most :data:`MAX_LENGTH` characters; a decimal (ASCII digits, an optional point
    and exponent; ``inf`` and ``nan`` are refused as not finite); its decimal exponent after
    normalisation (``1500`` and ``1.5e3`` both have 3) in ``[-MAX_EXPONENT, MAX_EXPONENT]``
    (zero passes whatever its exponent, as ``"0"``); and finite as a double (``1e400``
    overflows float64).  A value too small for a double (``1e-400``) is still a number: the
    checks that need it ``> 0`` as a double name the underflow (:func:`positive`).

    >>> number("1e-999999999")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: decimal exponent out of range: '1e-999999999' (the exponent of its first digit is -999999999; at most 1000 in size)
    """
    t = str(text).strip()
    if len(t) > MAX_LENGTH:
        raise argparse.ArgumentTypeError(f"number too long: {len(t)} characters (at most {MAX_LENGTH})")
    shown = t if len(t) <= 40 else t[:37] + "..."
    parts = _DECIMAL.fullmatch(t.replace("_", "")) if t.isascii() and "__" not in t else None
    if parts is None or not (parts.group(2) or parts.group(3)):
        finite = t.lower().lstrip("+-") not in ("inf", "infinity", "nan")
        raise argparse.ArgumentTypeError(f"{'not a number' if finite else 'not a finite number'}: {shown!r}")
    _, whole, frac, exp = parts.groups()
    frac, exp = frac or "", int(exp or 0)
    digits = (whole + frac).lstrip("0")
    if not digits:
        return "0" if abs(exp) > MAX_EXPONENT else t.replace("_", "")
    adjusted = exp - len(frac) + len(digits) - 1
    if abs(adjusted) > MAX_EXPONENT:
        where = f"is {adjusted}" if abs(adjusted) < 10 ** 12 else f"has {len(str(abs(adjusted)))} digits"
        raise argparse.ArgumentTypeError(
            f"decimal exponent out of range: {shown!r} (the exponent of its first digit {where}; "
            f"at most {MAX_EXPONENT} in size)")
    if not math.isfinite(float(t.replace("_", ""))):
        raise argparse.ArgumentTypeError(f"{shown!r} overflows float64 (beyond 1.8e308, the largest double)")
    return t.replace("_", "")


def positive_problem(text):
    """``None`` if the decimal ``text`` (checked by :func:`number`) is > 0 as a double, else
    the problem in words: not > 0, or > 0 but underflowing float64 (it rounds to 0)."""
    if float(text) > 0:
        return None
    if _exact(text) > 0:
        return (f"{text!r} underflows float64: it is > 0 but below the least positive double "
                f"{LEAST_DOUBLE!r}, so it rounds to 0")
    return f"must be > 0: {text!r}"


def positive(text):
    """A number (:func:`number`) that is > 0 as a double; underflow is named as such."""
    text = number(text)
    problem = positive_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def positive_float(text):
    return float(positive(text))


def digits(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"digits must be in [1, 1000]: {text!r}")
    return value


def dropout_rate(text):
    """A number (:func:`number`) in ``[0, 1)``, decided exactly (``-1e-400`` is below 0, though
    it rounds to -0.0), and below 1 as a double too (``0.99999999999999999999`` rounds to 1)."""
    text = number(text)
    if not 0 <= _exact(text) < 1:
        raise argparse.ArgumentTypeError(f"dropout rate must be in [0, 1): {text!r}")
    if not float(text) < 1:
        raise argparse.ArgumentTypeError(f"dropout rate {text!r} rounds to 1 in float64 (it must stay below 1)")
    return text


def interval(parser_args, name):
    """Validate a ``--name LO HI`` pair (finite, LO <= HI); returns (lo, hi) as floats."""
    if _exact(parser_args[0]) > _exact(parser_args[1]):   # exact decimals, so floats follow
        raise UsageError(f"--{name}: reversed interval [{parser_args[0]}, {parser_args[1]}]")
    return float(parser_args[0]), float(parser_args[1])


def _exact(text):
    """The decimal ``text`` as an exact rational (so "0.10000000000000000001" > "0.1", though
    both round to the same float)."""
    from fractions import Fraction

    try:
        return Fraction(str(text).strip().replace("_", ""))
    except ValueError:
        return Fraction(float(text))


def output_dir(path, flag):
    """Create the directory ``path`` for ``--flag`` now, before any work, or fail with a
    one-line message."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--{flag}: cannot create directory {path!r}: {exc.strerror}") from None
    if not os.access(path, os.W_OK):
        raise UsageError(f"--{flag}: directory {path!r} is not writable")
    return path


def output_file(path, flag):
    """Check, before any work, that the file ``path`` for ``--flag`` can be written."""
    if os.path.isdir(path):
        raise UsageError(f"--{flag}: {path!r} is a directory, a file name is expected")
    output_dir(os.path.dirname(os.path.abspath(path)), flag)
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise UsageError(f"--{flag}: {path!r} is not writable")
    if os.path.exists(path) and not os.path.isfile(path):
        raise UsageError(f"--{flag}: {path!r} is not a regular file (a pipe or a device?)")
    return path


def library_default(fn, name):
    """The default of parameter ``name`` of the library function ``fn``, so that a command
    line option never writes a library default a second time.

    >>> def f(x, digits=50): ...
    >>> library_default(f, "digits")
    50
    """
    import inspect

    value = inspect.signature(fn).parameters[name].default
    if value is inspect.Parameter.empty:
        raise TypeError(f"{fn.__name__}() has no default for {name!r}")
    return value


def decimal_default(fn, name):
    """:func:`library_default` as the decimal string a ``number`` option holds (``0`` -> ``"0"``)."""
    return str(library_default(fn, name))


def progress(total, desc):
    """A tqdm bar on stderr (silent when stderr is not a terminal)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, disable=None, leave=False)


def device_flag(p, dest="device", help="auto: CUDA when numba sees a GPU"):
    from snn_verify.proofs.evidence.backends import DEVICES

    p.add_argument("--device", dest=dest, choices=DEVICES, default=DEVICES[0], help=help)


#: the largest count accepted (grid points, samples, boxes): more than any run finishes, and
#: far below the sizes where computing a grid's shape or allocating it breaks down
MAX_COUNT = 10 ** 12


def count(text):
    """A positive integer (``1e7`` and ``10_000_000`` are accepted), at most
    :data:`MAX_COUNT` (``--points 1e300`` would otherwise spin for ever sizing the grid)."""
    value = float(number(text))
    if not (value >= 1 and value == int(value)):
        raise argparse.ArgumentTypeError(f"must be a positive integer: {text!r}")
    if value > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"too large: {text!r} (at most {MAX_COUNT:.0e})")
    return int(value)


def workers(text):
    """A number of worker processes: an integer in ``[1, max(256, 4 * cores)]`` (a million
    would fork a million processes before any work)."""
    limit = max(256, 4 * (os.cpu_count() or 1))
    try:
        value = int(str(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {str(text)[:40]!r}") from None
    if not 1 <= value <= limit:
        raise argparse.ArgumentTypeError(f"worker processes must be in [1, {limit}]: {text!r}")
    return value


def names(text):
    """A comma-separated list of names (checked by the experiment: unknown ones exit 2)."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list (got {text!r})")
    return items


def counts(text):
    """A comma-separated list of positive integers."""
    return [count(v) for v in text.split(",")]


def defaults_of(fn):
    """The keyword defaults of the library function ``fn`` (each default is written once, there)."""
    import inspect

    return {k: p.default for k, p in inspect.signature(fn).parameters.items() if p.default is not p.empty}


def backend_argument(args):
    from snn_verify.proofs.evidence.backends import BackendUnavailable, get_backend

    try:
        get_backend(args.device)
    except BackendUnavailable as exc:
        raise UsageError(str(exc)) from None
    return args.device


def box_argument(args):
    """``--mu/--omega/--nu/--tau LO HI`` as ``{name: (lo, hi)}`` decimal strings, checked
    (LO <= HI exactly; nu and tau > 0 as doubles: a lower end that underflows is named so)."""
    box = {}
    for name in ("mu", "omega", "nu", "tau"):
        lo, hi = getattr(args, name)
        interval([lo, hi], name)
        box[name] = (lo, hi)
    for name in ("nu", "tau"):
        problem = positive_problem(box[name][0])
        if problem:
            raise UsageError(f"--{name}: the lower end {problem} (must be > 0 on the whole interval)"
                             if "underflows" in problem else f"--{name}: must be > 0 on the whole interval")
    return box
