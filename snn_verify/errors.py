"""Whose fault an error is.

- :class:`InputError`: the *user's* input is wrong (a reversed interval, a file that is not a
  network, a claim with an invalid box).  The command line prints its message on one line and
  exits with status 2.  Library code raises it only where it validates what a user gave it.
- Anything else that escapes a command is *ours*: an internal error.  The command line says so
  on one line, exits with status 70 (``EX_SOFTWARE``), and prints the traceback when
  ``--debug`` is given or ``SNN_VERIFY_DEBUG=1`` is set.

``InputError`` is a ``ValueError``, so library callers that catch ``ValueError`` keep working.

>>> issubclass(InputError, ValueError)
True
"""
from __future__ import annotations

#: exit status of an internal error (BSD sysexits' EX_SOFTWARE)
EXIT_INTERNAL = 70


class InputError(ValueError):
    """Bad input from the user: reported on one line, exit status 2."""
