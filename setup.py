"""Build the compiled kernels of skrnn (everything else lives in pyproject.toml)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
import ctypes.util
import glob
import os
import platform
import subprocess
import sys
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("SKRNN_CYTHON_DEBUG", "0") == "1"

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": DEBUG,
}

# glibc's vector math library gives the kernels a vectorised tanh (see
# skrnn/_kernels/_vmath.h); without it the kernels fall back to libm.
libraries, macros = ["m"], [("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")]
if (sys.platform.startswith("linux") and platform.machine() == "x86_64"
        and ctypes.util.find_library("mvec")):
    libraries.append("mvec")
else:
    macros.append(("SKRNN_NO_LIBMVEC", "1"))



def openmp_flags():
    """``-fopenmp`` if the C compiler accepts it, else nothing.

    Without OpenMP the kernels' ``prange`` loops run serially: results are
    the same (every parallel loop writes disjoint memory), only slower when
    ``n_jobs > 1``. Set ``SKRNN_NO_OPENMP=1`` to build without it.
    """
    if os.environ.get("SKRNN_NO_OPENMP", "0") == "1":
        return []
    compiler = os.environ.get("CC", "cc")
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "omp.c")
        with open(source, "w") as f:
            f.write("#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n")
        try:
            result = subprocess.run(
                [compiler, "-fopenmp", source, "-o", os.path.join(tmp, "omp")],
                capture_output=True)
        except OSError:
            return []
    return ["-fopenmp"] if result.returncode == 0 else []


openmp = openmp_flags()

extensions = [
    Extension(
        "skrnn._kernels.*",
        ["skrnn/_kernels/*.pyx"],
        include_dirs=[np.get_include(), "skrnn/_kernels"],
        depends=glob.glob("skrnn/_kernels/*.h"),
        define_macros=macros,
        libraries=libraries,
        extra_compile_args=(["-O3"] if not DEBUG else ["-O0", "-g"]) + openmp,
        extra_link_args=openmp,
    )
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives))
