"""Data for the training experiments: scikit-learn's bundled sets, or the user's files.

Nothing downloads.  By default the experiments use data sets that scikit-learn ships:
``digits`` (1,797 8x8 images of UCI optdigits, 10 classes) stands in for MNIST, and
``iris``, ``wine``, ``breast_cancer`` and ``digits`` make the small UCI collection.

``--data PATH`` reads real files (:func:`load`):

- MNIST in its idx format (``train-images-idx3-ubyte`` + ``train-labels-idx1-ubyte``,
  optionally ``.gz``): a big-endian header ``0 0 <type> <ndim>``, ``ndim`` int32 sizes,
  then the values;
- CIFAR-10 in its python-pickle batches (``data_batch_1`` ... ``data_batch_5``: a dict
  with ``b"data"``, a uint8 (N, 3072) array, and ``b"labels"``), read by an unpickler that
  accepts only numpy arrays;
- a folder of CSV files, one per data set, the last column the label (a header row is
  recognised by non-numeric feature cells); a single ``.csv`` file is a one-set folder.

Every loader returns :class:`Dataset` objects; a missing or malformed file raises
``ValueError`` with one line (the CLI prints it and exits 2).

Example
-------
>>> d = builtin("iris")
>>> d.x.shape, d.classes
((150, 4), 3)
"""
from __future__ import annotations

import csv
import gzip
import os
import pickle
from dataclasses import dataclass

import numpy as np

from snn_verify.errors import InputError

#: the data set that stands in for MNIST in Figure 1 and the drift experiment
FIGURE1_DATASET = "digits"
#: scikit-learn's bundled classification sets, the default UCI collection
UCI_DATASETS = ("iris", "wine", "breast_cancer", "digits")

#: idx type byte -> numpy big-endian dtype
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
CIFAR_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))


@dataclass(frozen=True)
class Dataset:
    """Features ``x`` (n, d) float32, integer labels ``y`` in 0..classes-1, and a name."""

    name: str
    x: np.ndarray
    y: np.ndarray

    @property
    def classes(self):
        return int(self.y.max()) + 1

    def __post_init__(self):
        if self.x.ndim != 2 or len(self.x) != len(self.y) or len(self.y) < 2:
            raise InputError(f"{self.name}: need a (rows, features) table with one label per row "
                             f"(got {self.x.shape} features and {len(self.y)} labels)")
        if not np.all(np.isfinite(self.x)):
            raise InputError(f"{self.name}: features contain non-finite values")


def _dataset(name, x, labels):
    """A Dataset with labels re-coded as 0..k-1 (sorted unique values)."""
    _, y = np.unique(np.asarray(labels), return_inverse=True)
    return Dataset(name, np.asarray(x, dtype=np.float32).reshape(len(y), -1), y.astype(np.int32))


def builtin(name):
    """One of scikit-learn's bundled sets (``digits``, ``iris``, ``wine``, ``breast_cancer``)."""
    from sklearn import datasets

    loaders = {"digits": datasets.load_digits, "iris": datasets.load_iris, "wine": datasets.load_wine,
               "breast_cancer": datasets.load_breast_cancer}
    if name not in loaders:
        raise InputError(f"unknown bundled data set {name!r}; known: {', '.join(loaders)}")
    bunch = loaders[name]()
    return _dataset(name, bunch.data, bunch.target)


# --- MNIST idx ----------------------------------------------------------------------------

def _open(path):
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: broken gzip file ({exc})") from None
    return raw


def read_idx(path):
    """The array stored in one idx file (MNIST's format), as numpy in native byte order.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t-idx1-ubyte")
    >>> _ = open(p, "wb").write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 1, 2]))
    >>> read_idx(p).tolist()
    [7, 1, 2]
    """
    raw = _open(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES or raw[3] == 0:
        raise InputError(f"{path}: not an idx file (bad magic number)")
    ndim = raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise InputError(f"{path}: idx header truncated")
    shape = tuple(int(v) for v in np.frombuffer(raw, ">i4", ndim, 4))
    dtype = np.dtype(IDX_TYPES[raw[2]])
    need = int(np.prod(shape)) * dtype.itemsize
    body = raw[4 + 4 * ndim:]
    if len(body) != need:
        raise InputError(f"{path}: idx body has {len(body)} bytes, the header says {need}")
    return np.frombuffer(body, dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _find(folder, stems):
    for stem in stems:
        for suffix in ("", ".gz"):
            path = os.path.join(folder, stem + suffix)
            if os.path.isfile(path):
                return path
    return None


MNIST_FILES = (("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
               ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"))


def load_mnist(folder):
    """MNIST's training set from ``folder`` (idx files, optionally gzipped), pixels / 255."""
    images, labels = (_find(folder, stems) for stems in MNIST_FILES)
    if images is None or labels is None:
        raise InputError(f"{folder}: no MNIST idx files ({MNIST_FILES[0][0]}, {MNIST_FILES[1][0]})")
    x, y = read_idx(images), read_idx(labels)
    if x.ndim < 2 or y.ndim != 1 or len(x) != len(y):
        raise InputError(f"{folder}: MNIST images {x.shape} and labels {y.shape} do not match")
    return _dataset("mnist", x.reshape(len(x), -1) / 255.0, y)


# --- CIFAR-10 python pickles -------------------------------------------------------------

class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, bytes and numpy arrays only: a CIFAR batch needs nothing else, and
    anything else in a pickle could run code."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar"), ("numpy.core.numeric", "_frombuffer"),
               ("numpy._core.numeric", "_frombuffer"), ("_codecs", "encode")}   # bytes under protocol 2

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")
        return super().find_class(module, name)


def read_cifar_batch(path):
    """``(data, labels)`` of one CIFAR-10 python batch: uint8 (N, 3072) and int labels."""
    try:
        with open(path, "rb") as fh:
            batch = _ArrayUnpickler(fh, encoding="bytes").load()
        data, labels = np.asarray(batch[b"data"]), np.asarray(batch[b"labels"])
    except (pickle.UnpicklingError, EOFError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise InputError(f"{path}: not a CIFAR-10 python batch ({type(exc).__name__}: {exc})") from None
    if data.ndim != 2 or data.shape[1] != 3072 or labels.shape != (len(data),):
        raise InputError(f"{path}: CIFAR-10 batch with data {data.shape} and labels {labels.shape}")
    return data, labels


def load_cifar10(folder):
    """CIFAR-10's training batches found in ``folder`` (at least one), pixels / 255."""
    paths = [os.path.join(folder, b) for b in CIFAR_BATCHES if os.path.isfile(os.path.join(folder, b))]
    if not paths:
        raise InputError(f"{folder}: no CIFAR-10 batches (data_batch_1 ... data_batch_5)")
    parts = [read_cifar_batch(p) for p in paths]
    return _dataset("cifar10", np.concatenate([d for d, _ in parts]) / 255.0,
                    np.concatenate([lab for _, lab in parts]))


# --- CSV folders --------------------------------------------------------------------------

def read_csv(path):
    """One data set from a CSV file: every column but the last are numeric features, the last
    is the label (numbers or names).  A first row whose features are not numbers is a header."""
    with open(path, newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    name = os.path.splitext(os.path.basename(path))[0]
    if not rows:
        raise InputError(f"{path}: empty CSV file")
    try:
        np.asarray(rows[0][:-1], dtype=float)
    except ValueError:
        rows = rows[1:]                                          # a header row
    width = {len(r) for r in rows}
    if len(width) != 1 or min(width) < 2:
        raise InputError(f"{path}: rows need the same number of columns, at least 2 (got {sorted(width)})")
    try:
        x = np.asarray([r[:-1] for r in rows], dtype=float)
    except ValueError as exc:
        raise InputError(f"{path}: a feature is not a number ({exc})") from None
    labels = [r[-1].strip() for r in rows]
    return _dataset(name, x, labels)


def load_csv_folder(path):
    """Every ``*.csv`` in the folder ``path`` (sorted by name), or the single file ``path``."""
    if os.path.isfile(path):
        return [read_csv(path)]
    files = sorted(f for f in os.listdir(path) if f.lower().endswith(".csv"))
    if not files:
        raise InputError(f"{path}: no .csv files")
    return [read_csv(os.path.join(path, f)) for f in files]


def load(path):
    """The data sets at ``path``: a folder with MNIST idx files, CIFAR-10 batches or CSV files,
    or one CSV file.  Returns a list of :class:`Dataset`."""
    if not os.path.exists(path):
        raise InputError(f"--data: no such file or directory: {path}")
    if os.path.isdir(path):
        if any(_find(path, stems) for stems in MNIST_FILES):
            return [load_mnist(path)]
        if any(os.path.isfile(os.path.join(path, b)) for b in CIFAR_BATCHES):
            return [load_cifar10(path)]
    elif not path.lower().endswith(".csv"):
        raise InputError(f"--data: {path} is neither a folder (MNIST idx, CIFAR-10 batches, CSVs) nor a .csv file")
    return load_csv_folder(path)


def standardise(train, *others):
    """z-score every feature with the mean and standard deviation of ``train`` (a constant
    feature is only centred); returns the arrays in the same order, float32.

    >>> a, b = standardise(np.array([[0., 1.], [2., 1.]]), np.array([[1., 3.]]))
    >>> a.tolist(), b.tolist()
    ([[-1.0, 0.0], [1.0, 0.0]], [[0.0, 2.0]])
    """
    mean, std = train.mean(0), train.std(0)
    std = np.where(std > 0, std, 1.0)
    return tuple(((a - mean) / std).astype(np.float32) for a in (train, *others))
