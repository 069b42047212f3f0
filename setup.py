"""Build the compiled kernels of skrnn (everything else lives in pyproject.toml)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
import ctypes.util
import os
import platform
import sys

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

extensions = [
    Extension(
        "skrnn._kernels.*",
        ["skrnn/_kernels/*.pyx"],
        include_dirs=[np.get_include(), "skrnn/_kernels"],
        define_macros=macros,
        libraries=libraries,
        extra_compile_args=["-O3"] if not DEBUG else ["-O0", "-g"],
    )
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives))
