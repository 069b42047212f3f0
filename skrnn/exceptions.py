"""The warnings skrnn gives, for filtering them by class."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._readout._solve import ReadoutWarning
from .utils._public import InconsistentVersionWarning

__all__ = ["InconsistentVersionWarning", "ReadoutWarning"]
