"""The CUDA kernels in numba's CUDA simulator agree with the CPU backend (tiny sizes).

The simulator has to be chosen before numba.cuda is first imported, so the checks
(``tests/cuda_sim_checks.py``) run in a subprocess with ``NUMBA_ENABLE_CUDASIM=1``; the rest
of the suite keeps the real CPU numba.
"""
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_cuda_kernels_in_the_simulator_agree_with_cpu():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "cuda_sim_checks.py")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    for name in ("check_grid_reduction", "check_matmul", "check_elementwise", "check_experiments"):
        assert f"PASS {name}" in report, report
