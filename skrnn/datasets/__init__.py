"""Synthetic sequence data sets for recurrent networks."""

# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from skrnn.datasets._generators import (
    is_reber_string,
    make_adding_problem,
    make_delayed_recall,
    make_reber,
    make_reber_classification,
    make_sine_sequences,
    make_sine_series,
    make_temporal_xor,
    reber_strings,
)
from skrnn.datasets._reservoir_benchmarks import make_mackey_glass, make_narma

__all__ = [
    "make_adding_problem",
    "is_reber_string",
    "make_delayed_recall",
    "make_mackey_glass",
    "make_narma",
    "make_reber",
    "make_reber_classification",
    "make_sine_sequences",
    "make_sine_series",
    "make_temporal_xor",
    "reber_strings",
]
