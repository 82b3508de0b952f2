"""Typed results of the evidence side: frozen dataclasses with ``to_json()`` and ``render()``.

Every result of :mod:`.grid`, :mod:`.montecarlo` and :mod:`.bench` is a small frozen
dataclass defined beside the function that makes it.  They share this base:

- ``to_json()``: the fields in declaration order as plain JSON values (numpy arrays and
  scalars become lists and Python numbers, nested results their own ``to_json()``); a field
  declared with :func:`field` can be renamed (``lambda_`` -> ``"lambda"``), left out of the
  JSON, or left out when it is None;
- ``render()``: the text the command line prints;
- ``exit_code``: 0 (a result that can fail a check overrides it).

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Pair(Result):
...     lambda_: float = field(json_name="lambda")
...     hidden: int = field(default=0, json=False)
>>> Pair(np.float64(1.5)).to_json()
{'lambda': 1.5}
"""
from __future__ import annotations

import dataclasses

import numpy as np


def field(default=dataclasses.MISSING, json=True, json_name=None, skip_none=False):
    """A dataclass field with JSON options (see the module docstring)."""
    meta = {"json": json, "json_name": json_name, "skip_none": skip_none}
    return dataclasses.field(default=default, metadata=meta)


def plain(obj):
    """numpy arrays and scalars -> lists and Python numbers, recursively; results -> their
    ``to_json()``.

    >>> plain({"a": np.arange(2), 3: (np.float32(0.5),)})
    {'a': [0, 1], '3': [0.5]}
    """
    if hasattr(obj, "to_json"):
        return obj.to_json()
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


class Result:
    """Base of the evidence results (a mixin for frozen dataclasses)."""

    exit_code = 0

    def to_json(self):
        out = {}
        for f in dataclasses.fields(self):
            meta = f.metadata
            value = getattr(self, f.name)
            if not meta.get("json", True) or (meta.get("skip_none") and value is None):
                continue
            out[meta.get("json_name") or f.name] = plain(value)
        return out

    def render(self):  # pragma: no cover - every result overrides it
        raise NotImplementedError


def point_text(p):
    """``mu = 0.1, omega = ...`` for an arg point (a dict over the variables), ``-`` for None."""
    return ", ".join(f"{k} = {v:.6g}" for k, v in p.items()) if p else "-"


def seconds_text(seconds, backend):
    """The last line of every Monte-Carlo text."""
    return f"seconds {seconds:.1f} ({backend}; with JIT compilation on first use)"
