"""Figures: one module per figure of the paper and of the comparisons.

Each module has ``NAME``, ``CAPTION``, ``data(opts)`` (the numbers, checked by the tests) and
``draw(data, opts)``; :func:`snn_verify.figures.common.render` writes ``NAME.png`` and ``NAME.pdf``.
:data:`FIGURES` lists them in the order of the README's gallery.
"""
import importlib

from snn_verify.errors import InputError

#: figure modules in gallery order
FIGURE_MODULES = ("vector_field", "theorem_maps", "trajectories", "histograms", "initialisations", "highway",
                  "gradients", "clt", "finite_width", "training_loss", "weight_drift", "tube", "meanfield", "activations")


def get(name):
    """The figure module called ``name`` (:class:`~snn_verify.errors.InputError` listing the known ones otherwise)."""
    if name not in FIGURE_MODULES:
        raise InputError(f"unknown figure {name!r}; known: {', '.join(FIGURE_MODULES)}")
    return importlib.import_module(f"{__name__}.{name}")
