"""Forecasting: direct targets, one-pass backtests, conformal intervals."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._backtest import backtest
from ._closed_loop import direct_targets
from ._forecaster import ConformalForecaster, conformal_intervals
from ._split import SeriesSplit

__all__ = [
    "ConformalForecaster",
    "SeriesSplit",
    "backtest",
    "conformal_intervals",
    "direct_targets",
]
