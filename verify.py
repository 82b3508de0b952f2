#!/usr/bin/env python
"""snn-verify from a source checkout: ``python verify.py [COMMAND] ...``.

The command line itself is :mod:`snn_verify.cli` (installed as the ``snn-verify`` script).
"""
import sys

from snn_verify.cli import main

if __name__ == "__main__":
    sys.exit(main())
