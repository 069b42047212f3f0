"""Hopfield associative memories: classical binary networks and the modern continuous one."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._hopfield import HopfieldMemory

__all__ = ["HopfieldMemory"]
