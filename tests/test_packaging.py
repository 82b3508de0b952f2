"""The distribution installs one import name, ``snn_verify``, and no generic top-level names.

Builds the wheel from this checkout (``pip wheel --no-deps``) and reads its file list: a
researcher whose own repository has ``figures/`` or ``theory/`` folders must not get ours.
"""
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    # build from a clean copy: an in-tree build/ folder keeps files of earlier builds
    src = tmp_path_factory.mktemp("src") / "snn-verify"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__",
                                                              ".pytest_cache", ".hypothesis", "out", "gallery"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"pip wheel failed: {proc.stderr[-2000:]}")
    (wheel,) = out.glob("snn_verify-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


def test_only_snn_verify_is_installed_at_the_top(wheel_files):
    tops = {name.split("/")[0] for name in wheel_files}
    tops = {t for t in tops if not t.endswith(".dist-info")}
    assert tops == {"snn_verify"}


def test_the_three_parts_and_the_cli_are_inside(wheel_files):
    for path in ("snn_verify/__init__.py", "snn_verify/cli.py", "snn_verify/theory/_selu_generated.py",
                 "snn_verify/proofs/rigorous/certify.py", "snn_verify/proofs/evidence/backends/cuda.py",
                 "snn_verify/figures/vector_field.py"):
        assert path in wheel_files


def test_every_module_of_the_checkout_is_in_the_wheel(wheel_files):
    folders = {"snn_verify": ROOT / "snn_verify", "snn_verify/theory": ROOT / "theory",
               "snn_verify/proofs": ROOT / "proofs", "snn_verify/figures": ROOT / "figures"}
    expected = {f"{prefix}/{path.relative_to(folder).as_posix()}"
                for prefix, folder in folders.items() for path in folder.rglob("*.py")}
    missing = sorted(expected - set(wheel_files))
    assert not missing, f"modules not packaged (add their package to pyproject's packages): {missing}"


def test_console_script_points_into_the_package(tmp_path):
    import importlib.metadata as md

    (script,) = [e for e in md.entry_points(group="console_scripts") if e.name == "snn-verify"]
    assert script.value == "snn_verify.cli:main"
