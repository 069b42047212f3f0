"""Gradient-free search of a network's weights: genetic algorithm, particle swarm, annealing."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._annealing import SimulatedAnnealingOptimizer
from ._genetic import GeneticOptimizer
from ._particle_swarm import ParticleSwarmOptimizer

__all__ = ["GeneticOptimizer", "ParticleSwarmOptimizer", "SimulatedAnnealingOptimizer"]
