"""The sweep flags shared by the commands that can run as a Dask sweep (``theorems``,
``domain``, ``montecarlo map/zoo``, ``train uci``; :mod:`snn_verify.proofs.sweep`).

``--out FILE`` (each result appended as it arrives), ``--resume`` (skip the tasks already in
``--out``), ``--scheduler ADDRESS`` (an existing Dask cluster; default
``$SNN_VERIFY_SCHEDULER``) as ``claims`` names them, and ``--sweep-workers N`` (a local
cluster of N processes) as ``bench corners`` names it (``--workers`` already means the
engine's own processes there and here).  Any of ``--out``, ``--scheduler`` or
``--sweep-workers`` turns the sweep on; without them the command runs as it always has.
"""
from __future__ import annotations

from snn_verify.argtypes import UsageError, output_file, workers


def add_sweep_options(p, what="task"):
    """``--out``, ``--resume``, ``--scheduler``, ``--sweep-workers`` on parser ``p``."""
    p.add_argument("--out", metavar="FILE", default=None,
                   help=f"run each {what} as a Dask task; append each result to this JSON-lines file as it arrives")
    p.add_argument("--resume", action="store_true", help=f"skip the {what}s whose results --out already holds")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help=f"run each {what} as a task on this Dask cluster (a sweep without it goes to "
                        "$SNN_VERIFY_SCHEDULER if set, else to a local cluster)")
    p.add_argument("--sweep-workers", type=workers, default=None, metavar="N",
                   help=f"run each {what} as a Dask task on a local cluster of N worker processes")


def check_out(args):
    """``--out`` must be writable, and ``--resume`` needs it."""
    if args.resume and not args.out:
        raise UsageError("--resume needs --out FILE (the results file to resume)")
    if args.out:
        output_file(args.out, "out")


def swept(args):
    """Whether the sweep flags ask for a sweep (:func:`check_out` first)."""
    check_out(args)
    return bool(args.out or args.scheduler or args.sweep_workers)


def counting(bar, count=True):
    """A sweep's per-result callback: moves the tqdm ``bar`` by one (when ``count``) and shows
    how many results were error lines."""
    failed = []

    def update(line):
        if "error" in line:
            failed.append(line)
            bar.set_postfix_str(f"failed {len(failed)}")
        if count:
            bar.update(1)

    return update


def sweep_session(args, bar, count=True):
    """A context: a :class:`snn_verify.proofs.sweep.Session` for the flags (its results move
    the tqdm ``bar`` by one each when ``count``; failed ones are counted on it), or ``None``
    when no sweep is asked for."""
    import contextlib

    if not swept(args):
        return contextlib.nullcontext(None)
    from snn_verify.proofs.sweep import Session

    return Session(out=args.out, resume=args.resume, scheduler=args.scheduler, workers=args.sweep_workers,
                   progress=counting(bar, count))
