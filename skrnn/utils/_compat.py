"""Every private scikit-learn import of skrnn goes through this module."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Hidden, Interval, StrOptions
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import _check_feature_names, validate_data

__all__ = [
    "HasMethods",
    "Hidden",
    "Interval",
    "StrOptions",
    "_check_feature_names",
    "_check_optimize_result",
    "_fit_context",
    "validate_data",
]
