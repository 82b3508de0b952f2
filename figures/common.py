"""What every figure shares: one style, atomic PNG + PDF output, a one-line caption.

A figure module defines ``NAME``, ``CAPTION``, ``data(opts) -> dict`` (the numbers behind
the figure, which the tests check) and ``draw(data, opts) -> matplotlib Figure``.
:func:`render` runs both and writes ``<out>/<NAME>.png`` and ``.pdf`` through temporary
files, so an interrupted run leaves no half-written figure.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

#: the project's figure style, applied to every figure
STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "viridis",
}

#: colours by role, used consistently across figures
COLORS = {
    "analytic": "#1f4e79", "montecarlo": "#d95f02", "certified": "#1b9e77", "published": "#7570b3",
    "fixed_point": "#e7298a", "domain": "#444444", "selu": "#1b9e77", "relu": "#d95f02",
    "leaky_relu": "#7570b3", "tanh": "#e7298a", "elu": "#66a61e", "sigmoid": "#a6761d",
    "gelu": "#e6ab02", "swish": "#666666",
}


@dataclass
class Options:
    """Options shared by all figures: ``quick`` renders reduced sizes; ``device`` picks the
    Monte-Carlo backend; ``seed`` makes sampled data reproducible."""

    quick: bool = False
    device: str = "auto"
    seed: int = 0


def new_figure(ncols=1, nrows=1, width=4.2, height=3.4, **kw):
    """A figure with ``nrows x ncols`` axes in the project style."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False,
                                 constrained_layout=True, **kw)
    return fig, axes


def evidence_title(fig, what, backend):
    """Title a simulation figure: its size, the backend that ran it, and that it is evidence, not proof."""
    fig.suptitle(f"{what} ({backend}; evidence, not proof)", fontsize=8)


def caption(fig, text):
    """Put the caption under the figure, wrapped to the figure's width."""
    import textwrap

    chars = max(40, int(fig.get_figwidth() * 15))
    fig.supxlabel(textwrap.fill(text, chars), fontsize=8, style="italic")


def atomic_write(path, save):
    """``save(tmp)`` to a temporary file beside ``path``, then rename it onto ``path``: a
    reader never sees a half-written file, and a failure leaves no file behind."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".tmp-", suffix=os.path.splitext(path)[1])
    os.close(fd)
    try:
        save(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def render(module, out_dir, opts, data=None):
    """Compute ``module``'s data (unless given), draw it, save PNG and PDF; returns a summary."""
    os.makedirs(out_dir, exist_ok=True)
    with plt.rc_context(STYLE):
        data = module.data(opts) if data is None else data
        fig = module.draw(data, opts)
        caption(fig, module.CAPTION)
        files = []
        for ext in ("png", "pdf"):
            path = os.path.join(out_dir, f"{module.NAME}.{ext}")
            atomic_write(path, fig.savefig)
            files.append(path)
    plt.close(fig)
    return {"name": module.NAME, "caption": module.CAPTION, "files": files}


#: width in pixels of the README gallery's copies
GALLERY_WIDTH = 900


def gallery_copy(png_path, gallery_dir, width=GALLERY_WIDTH, colors=128):
    """A small copy of a rendered PNG for the README gallery (``width`` px, palette colours)."""
    from PIL import Image

    os.makedirs(gallery_dir, exist_ok=True)
    im = Image.open(png_path).convert("RGB")
    im = im.resize((width, round(im.height * width / im.width)), Image.LANCZOS)
    im = im.quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    out = os.path.join(gallery_dir, os.path.basename(png_path))
    atomic_write(out, lambda tmp: im.save(tmp, format="PNG", optimize=True))
    return out



#: where ``figures`` writes by default (relative to the working directory)
DEFAULT_OUT = os.path.join("figures", "out")


@dataclass(frozen=True)
class Rendered:
    """What one run of the figures wrote: per figure its name, caption, files, seconds (and
    gallery copy)."""

    out: str
    quick: bool
    figures: tuple
    exit_code = 0

    def to_json(self):
        return {"out": self.out, "quick": self.quick, "figures": [dict(f) for f in self.figures]}

    def render(self):
        return "\n".join(f"{f['name']:16s} {f['seconds']:6.1f} s  {', '.join(f['files'])}\n{'':16s} {f['caption']}"
                         for f in self.figures)


def render_all(modules, out_dir, opts, gallery=None, progress=None):
    """:func:`render` each figure module into ``out_dir`` (and a :func:`gallery_copy` into
    ``gallery``); ``progress(name)`` is called after each.  Returns :class:`Rendered`."""
    import time

    made = []
    for module in modules:
        t0 = time.perf_counter()
        summary = render(module, out_dir, opts)
        summary["seconds"] = round(time.perf_counter() - t0, 2)
        if gallery:
            summary["gallery"] = gallery_copy(summary["files"][0], gallery)
        made.append(summary)
        if progress:
            progress(module.NAME)
    return Rendered(out=out_dir, quick=opts.quick, figures=tuple(made))
