"""Every private scikit-learn import of skrnn goes through this module."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Hidden, Interval, StrOptions
from sklearn.utils._set_output import ADAPTERS_MANAGER, _get_output_config
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import (
    _assert_all_finite,
    _check_feature_names,
    _check_sample_weight,
    validate_data,
)

__all__ = [
    "ADAPTERS_MANAGER",
    "HasMethods",
    "Hidden",
    "Interval",
    "StrOptions",
    "_assert_all_finite",
    "_check_feature_names",
    "_check_optimize_result",
    "_check_sample_weight",
    "_fit_context",
    "_get_output_config",
    "validate_data",
]
