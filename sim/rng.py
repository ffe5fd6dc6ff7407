"""Named random streams derived from one root seed (common random numbers across arms).

Every stochastic process draws from its own stream, so switching one mechanism off does not
reshuffle the luck of the others, and replicate r uses the same seeds at every parameter point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STREAMS = ("setup", "combat", "harm", "negotiation", "implementation", "mesa")


def seed_sequence(root_seed: int, replicate: int, stream: str) -> np.random.SeedSequence:
    """The seed of one named stream of one replicate: SeedSequence(root, spawn_key=(replicate, stream))."""
    return np.random.SeedSequence(int(root_seed), spawn_key=(int(replicate), STREAMS.index(stream)))


def replicate_seed(root_seed: int, replicate: int) -> int:
    """A single integer that identifies a replicate's seeds, for the run table."""
    return int(np.random.SeedSequence(int(root_seed), spawn_key=(int(replicate),)).generate_state(1)[0])


@dataclass
class Streams:
    """One numpy Generator per named process."""

    setup: np.random.Generator
    combat: np.random.Generator
    harm: np.random.Generator
    negotiation: np.random.Generator
    implementation: np.random.Generator
    mesa: np.random.SeedSequence

    @classmethod
    def for_replicate(cls, root_seed: int, replicate: int) -> Streams:
        gens = {name: np.random.default_rng(seed_sequence(root_seed, replicate, name))
                for name in STREAMS if name != "mesa"}
        return cls(mesa=seed_sequence(root_seed, replicate, "mesa"), **gens)
