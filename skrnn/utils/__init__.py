"""Utilities shared by the skrnn estimators."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
