"""The kernels' C headers compile where their x86 SIMD code does not exist.

On ARM64, and under MSVC on any processor, the headers must compile their
portable loops alone: no x86 intrinsic, no GNU extension outside the guard
that ``_isa.h`` sets (``SKRNN_X86_DISPATCH``). Neither compiler is here, so
the host's C compiler plays them: the x86 macros are undefined, the x86
intrinsics header is replaced by one that stops the compilation, and for
MSVC ``__GNUC__`` is undefined and every GNU construct that MSVC lacks is
poisoned, so that using one is an error. CI also cross-compiles every
kernel for ARM64 (``.ci/run``); this test runs anywhere in a second.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import shlex
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

import skrnn._kernels

KERNELS = Path(skrnn._kernels.__file__).parent
HEADERS = sorted(p.name for p in KERNELS.glob("*.h"))

# what the headers include, taken in before the poison so that the C
# library's own use of these words is not counted against us
SYSTEM = ["math.h", "stddef.h", "stdint.h", "stdlib.h", "string.h"]
# GNU constructs that MSVC's C compiler does not take
GNU_ONLY = ["__attribute__", "__attribute", "restrict", "__restrict__", "__builtin_cpu_init",
            "__builtin_cpu_supports", "__builtin_expect", "__builtin_unreachable",
            "typeof", "__typeof__", "asm", "__asm__", "__int128", "__label__"]
NOT_X86 = ["__x86_64__", "__x86_64", "__amd64__", "__amd64"]


def _compiler():
    cc = shlex.split(sysconfig.get_config_var("CC") or "cc")
    if shutil.which(cc[0]) is None:
        pytest.skip(f"no C compiler ({cc[0]}) to compile the headers with")
    return cc


def _compile(tmp_path, undefine, define=(), poison=(), kernels=KERNELS, headers=HEADERS):
    """Compile (syntax only) one file that includes every header in ``kernels``.

    The C library's headers come first, as the host compiles them; then the
    macros of ``undefine`` are undefined, those of ``define`` defined, and
    the words of ``poison`` poisoned, for our headers alone.
    """
    # an x86 intrinsics header that stops the compilation if it is reached
    fake = tmp_path / "fake"
    fake.mkdir(parents=True)
    for name in ("immintrin.h", "x86intrin.h", "emmintrin.h"):
        (fake / name).write_text(f'#error "{name} reached outside SKRNN_X86_DISPATCH"\n')
    source = tmp_path / "headers.c"
    lines = [f"#include <{h}>" for h in SYSTEM]
    lines += [f"#undef {name}" for name in undefine]
    lines += [f"#define {name}" for name in define]
    if poison:
        lines.append("#pragma GCC poison " + " ".join(poison))
    lines += [f'#include "{h}"' for h in headers]
    source.write_text("\n".join(lines) + "\n")
    command = [*_compiler(), "-fsyntax-only", "-std=c99", "-Werror=implicit-function-declaration",
               "-Werror=vla", f"-I{fake}", f"-I{kernels}", str(source)]
    return subprocess.run(command, capture_output=True, text=True)


def test_every_header_is_checked():
    # the headers of the dispatched kernels, and the shared ones
    assert {"_isa.h", "_vmath.h", "_rowgemm.h", "_lstm_cell.h", "_spmv.h"} <= set(HEADERS)


# GCC or clang on ARM64: __GNUC__ is there, x86 is not
ARM_LIKE = {"undefine": NOT_X86}
# MSVC: neither __GNUC__ nor __x86_64__ (it defines _M_X64 instead)
MSVC_LIKE = {"undefine": [*NOT_X86, "__GNUC__", "__clang__"], "define": ["_MSC_VER 1930"],
             "poison": GNU_ONLY}


def test_headers_compile_without_x86(tmp_path):
    result = _compile(tmp_path, **ARM_LIKE)
    assert result.returncode == 0, result.stderr[-3000:]


def test_headers_compile_without_gnu_extensions(tmp_path):
    result = _compile(tmp_path, **MSVC_LIKE)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize(
    "bad, caught_by",
    [("#include <immintrin.h>\n", ["arm", "msvc"]),
     ("static inline __attribute__((always_inline)) int skrnn_bad(void) { return 0; }\n",
      ["msvc"]),
     ("static int skrnn_bad(int *restrict p) { return *p; }\n", ["msvc"])])
def test_the_checks_catch_what_they_look_for(tmp_path, bad, caught_by):
    # a header with an unguarded x86 or GNU construct fails the checks that
    # stand for a compiler without it: they are not vacuous
    kernels = tmp_path / "kernels"
    kernels.mkdir()
    for name in HEADERS:
        shutil.copy(KERNELS / name, kernels / name)
    (kernels / "_zz_bad.h").write_text(bad)
    for name, config in [("arm", ARM_LIKE), ("msvc", MSVC_LIKE)]:
        result = _compile(tmp_path / name, **config, kernels=kernels,
                          headers=[*HEADERS, "_zz_bad.h"])
        assert (result.returncode != 0) == (name in caught_by), (name, result.stderr[-2000:])
