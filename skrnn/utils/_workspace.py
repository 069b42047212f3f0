"""Scratch arrays that a fit reuses from one mini-batch to the next."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np


class Workspace:
    """Named scratch arrays, allocated once and handed out again.

    A training step allocates the same large arrays (gates, cell states,
    their gradients) for every mini-batch. glibc serves blocks of more than
    128 KiB with ``mmap`` and gives them back to the system when freed, so
    allocating them afresh costs a page fault and a zeroed page per 4 KiB,
    every batch: 40 % of an LSTM fit at hidden 32 (measured; it vanishes
    when another library happens to have raised glibc's thresholds, as
    importing PyTorch does). A workspace keeps them instead.

    An array handed out under a name is valid until the same name is asked
    for again, so a workspace belongs to one sequential fit and must not be
    shared between threads. Prediction does not use one: concurrent
    ``predict`` calls on one fitted model must not share buffers.
    """

    def __init__(self):
        self._buffers = {}

    def empty(self, name, shape, dtype):
        """An uninitialised C-contiguous array of ``shape`` and ``dtype``."""
        dtype = np.dtype(dtype)
        size = math.prod(shape)
        buffer = self._buffers.get((name, dtype))
        if buffer is None or buffer.size < size:
            buffer = np.empty(size, dtype=dtype)
            self._buffers[name, dtype] = buffer
        return buffer[:size].reshape(shape)


class _NoWorkspace:
    """Fresh arrays every time: for callers that keep what they are given."""

    @staticmethod
    def empty(name, shape, dtype):
        return np.empty(shape, dtype=dtype)


NO_WORKSPACE = _NoWorkspace()
