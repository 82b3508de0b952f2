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

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_UNDECIDED = 0, 1, 2, 3


class UsageError(Exception):
    """Bad input: reported on one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) instead of usage dumps, and negative numbers in
    scientific notation (``--gt -1e-300``) read as values, not as options."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

    def error(self, message):
        raise UsageError(message)


# --- argument types -----------------------------------------------------------------------

def number(text):
    """A finite real number.  Returns the text itself, so arbitrary-precision code can parse
    it as a decimal ("0.1" is one tenth, not the nearest double)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return text.strip()


def positive(text):
    text = number(text)
    if not float(text) > 0:
        tiny = _exact(text) > 0
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}" + (" (and at least 5e-324, the least float)" if tiny else ""))
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
    text = number(text)
    if not 0 <= float(text) < 1:
        raise argparse.ArgumentTypeError(f"dropout rate must be in [0, 1): {text!r}")
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


def count(text):
    """A positive integer (``1e7`` and ``10_000_000`` are accepted)."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value >= 1 and value == int(value)):
        raise argparse.ArgumentTypeError(f"must be a positive integer: {text!r}")
    return int(value)


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
    (LO <= HI exactly; nu and tau > 0)."""
    box = {}
    for name in ("mu", "omega", "nu", "tau"):
        lo, hi = getattr(args, name)
        interval([lo, hi], name)
        box[name] = (lo, hi)
    for name in ("nu", "tau"):
        if not float(box[name][0]) > 0:
            raise UsageError(f"--{name}: must be > 0 on the whole interval")
    return box
