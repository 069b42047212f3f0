"""Metrics of time-series forecasts."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._critical_points import (
    critical_point_false_alarm_rate,
    critical_point_hit_rate,
    critical_point_scorer,
    critical_point_scores,
    critical_point_skill,
)

__all__ = [
    "critical_point_false_alarm_rate",
    "critical_point_hit_rate",
    "critical_point_scorer",
    "critical_point_scores",
    "critical_point_skill",
]
