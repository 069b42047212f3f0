"""Pattern encodings: {0, 1}, {-1, +1} or real values, and the +-1 form inside."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from .._kernels._hopfield import all_in_pair

_VALUES = {"binary": "0 and 1", "bipolar": "-1 and +1"}


def _is_binary(X):
    return all_in_pair(X, 0, 1)


def _is_bipolar(X):
    return all_in_pair(X, -1, 1)


def _offending(X, encoding):
    """A value of X outside the encoding, for the error message."""
    allowed = (0, 1) if encoding == "binary" else (-1, 1)
    bad = X[~np.isin(X, allowed)]
    return float(bad.flat[0]) if bad.size else None


def infer_encoding(X, encoding, rule):
    """The encoding of the patterns X under the ``encoding`` parameter.

    Raises a ValueError when X does not fit it, or when a classical rule
    is given values that are neither {0, 1} nor {-1, +1}.
    """
    if encoding == "auto":
        if _is_bipolar(X):
            return "bipolar"
        if _is_binary(X):
            return "binary"
        if rule == "modern":
            return "real"
        bad = X[~np.isin(X, (-1, 0, 1))]
        value = float(bad.flat[0]) if bad.size else None
        raise ValueError(
            f"rule={rule!r} stores binary patterns: X must hold only 0 and 1, or only "
            f"-1 and +1; got the value {value!r}"
            + ("" if value is not None else " mixed with both 0 and -1")
            + ". Use rule='modern' for real-valued patterns."
        )
    check_encoding(X, encoding, "X")
    return encoding


def check_encoding(X, encoding, name):
    """Raise a ValueError unless every value of X belongs to ``encoding``."""
    if encoding == "real":
        return
    ok = _is_binary(X) if encoding == "binary" else _is_bipolar(X)
    if not ok:
        raise ValueError(
            f"{name} must hold only {_VALUES[encoding]} (the {encoding} encoding of "
            f"the stored patterns); got the value {_offending(X, encoding)!r}."
        )


def encode(X, encoding):
    """Patterns as the network holds them: binary x becomes 2 x - 1."""
    if encoding == "binary":
        return 2 * X - 1
    return X


def decode(S, encoding):
    """States back in the encoding of the stored patterns (in place when binary)."""
    if encoding == "binary":
        S += 1
        S /= 2
    return S
