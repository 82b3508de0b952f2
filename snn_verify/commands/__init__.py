"""The command line's command groups, one module each: the argument declarations and the
few-line handlers of its subcommands, with ``COMMANDS`` (and ``BENCH_COMMANDS``) listing their
registration functions.  :mod:`snn_verify.cli` assembles them, parses, dispatches and prints.

- :mod:`.theory`: ``params``, ``point``, ``dropout``;
- :mod:`.rigorous`: ``theorems``, ``claim``, ``recheck``, ``fixed-point``, ``domain``,
  ``bench certify``, ``bench corners``;
- :mod:`.evidence`: ``grid``, ``montecarlo``, ``figures``, ``bench grid|montecarlo|startup``;
- :mod:`.checks`: ``frameworks``, ``inspect``;
- :mod:`.training`: ``train``.
"""
