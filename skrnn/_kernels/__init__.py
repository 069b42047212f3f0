"""Compiled kernels of skrnn: recurrences only, no estimator logic."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
