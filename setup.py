"""Build the compiled kernels of skrnn (everything else lives in pyproject.toml).

The flags depend on the compiler that actually builds, which setuptools only
knows once the build starts, so they are chosen in ``build_ext`` below rather
than here: GCC and clang (Linux, macOS, MinGW) take ``-O3``, OpenMP where the
compiler and its runtime accept it, and ``libm``; MSVC takes ``/O2`` and
``/openmp``, and has no ``libm`` to link.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
import glob
import os
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CompileError, LinkError

DEBUG = os.environ.get("SKRNN_CYTHON_DEBUG", "0") == "1"
MACROS = [("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")]

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": DEBUG,
}


def _links(compiler, source, flag=None, libraries=()):
    """Whether ``compiler`` compiles and links the C program ``source``.

    ``flag`` is passed to the compiler, and to the linker too except for
    MSVC (whose /openmp acts at compile time).
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "check.c")
        with open(path, "w") as f:
            f.write(source)
        flags = [flag] if flag else []
        try:
            objects = compiler.compile([path], output_dir=tmp, extra_postargs=flags)
            compiler.link_executable(
                objects, "check", output_dir=tmp, libraries=list(libraries),
                extra_postargs=[] if compiler.compiler_type == "msvc" else flags)
        except (CompileError, LinkError):
            return False
    return True


def has_libmvec(compiler):
    """Whether glibc's vector math library (2.35 or later) is there for x86-64.

    It gives the kernels a vectorised tanh (see skrnn/_kernels/_vmath.h);
    elsewhere (other processors or C libraries, glibc older than 2.35, as in
    the manylinux images) the kernels use libm's tanh. Asked of the compiler
    that builds, so that a cross or container build gets its target's
    answer, not the host's.
    """
    return _links(compiler, (
        "#include <math.h>\n"
        "#if !defined(__x86_64__) || !defined(__GLIBC__) || __GLIBC__ < 2 || \\\n"
        "    (__GLIBC__ == 2 && __GLIBC_MINOR__ < 35)\n"
        "#error no libmvec with the vector tanh\n"
        "#endif\n"
        "int main(void) { return 0; }\n"), libraries=["mvec"])


def openmp_flag(compiler):
    """The flag that turns OpenMP on for ``compiler``, or None if it fails.

    The flag is tried on a tiny program compiled and linked by the same
    compiler that builds the extensions, so ``CC=clang`` without libomp, or
    Apple's clang (no ``-fopenmp`` at all), builds without OpenMP instead of
    failing. Without OpenMP the kernels' ``prange`` loops run serially:
    results are the same (every parallel loop writes disjoint memory), only
    slower when ``n_jobs > 1``. Set ``SKRNN_NO_OPENMP=1`` to build without it.
    """
    if os.environ.get("SKRNN_NO_OPENMP", "0") == "1":
        return None
    flag = "/openmp" if compiler.compiler_type == "msvc" else "-fopenmp"
    source = "#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n"
    return flag if _links(compiler, source, flag) else None


class BuildExt(build_ext):
    """``build_ext`` with the flags and libraries of the compiler in use.

    The kernels compile in parallel, one per core, unless ``-j`` says
    otherwise: ``pip install`` gives no way to ask for it, and a kernel
    takes tens of seconds at ``-O3``.
    """

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:
            self.parallel = os.cpu_count() or 1

    def build_extensions(self):
        msvc = self.compiler.compiler_type == "msvc"
        if msvc:
            # C11 for `restrict` in the headers would need /std:c11; they
            # spell it SKRNN_RESTRICT instead, which is __restrict here
            compile_args = ["/Od", "/Zi"] if DEBUG else ["/O2"]
            libraries, macros = [], [("SKRNN_NO_LIBMVEC", "1")]
        else:
            compile_args = ["-O0", "-g"] if DEBUG else ["-O3"]
            libraries, macros = ["m"], []
            if has_libmvec(self.compiler):
                libraries.append("mvec")
            else:
                macros.append(("SKRNN_NO_LIBMVEC", "1"))
        flag = openmp_flag(self.compiler)
        openmp = [flag] if flag else []
        for ext in self.extensions:
            ext.extra_compile_args = compile_args + openmp
            # MSVC links its OpenMP runtime from /openmp at compile time
            ext.extra_link_args = [] if msvc else openmp
            ext.libraries = libraries
            ext.define_macros = MACROS + macros
        super().build_extensions()


extensions = [
    Extension(
        "skrnn._kernels.*",
        ["skrnn/_kernels/*.pyx"],
        include_dirs=[np.get_include(), "skrnn/_kernels"],
        depends=glob.glob("skrnn/_kernels/*.h"),
    )
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives),
      cmdclass={"build_ext": BuildExt})
