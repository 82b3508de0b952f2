"""The docstring examples of every module of the package run and give what they show."""
import doctest
import importlib
import pkgutil

import pytest

import snn_verify


PARTS = ("theory", "proofs", "figures")
#: optional extras (``train``): a module that needs a missing one is skipped
OPTIONAL = {"jax", "optax", "flax", "sklearn"}


def _modules():
    names = ["snn_verify", "snn_verify.cli"]
    for part in PARTS:
        package = importlib.import_module(f"snn_verify.{part}")
        names.append(package.__name__)
        names += [info.name for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    return sorted(set(names))


MODULES = _modules()


def test_every_part_of_the_package_is_walked():
    for part in ("snn_verify.theory.selu_map", "snn_verify.proofs.rigorous.certify",
                 "snn_verify.proofs.evidence.grid", "snn_verify.figures.common", "snn_verify.cli"):
        assert part in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        if exc.name not in OPTIONAL:
            raise
        pytest.skip(f"{name} needs {exc.name} (an optional extra)")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples failed in {name}"
