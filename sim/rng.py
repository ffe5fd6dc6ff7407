"""Named random streams derived from one root seed (common random numbers across arms).

Every stochastic process draws from its own stream, so switching one mechanism off does not
reshuffle the luck of the others, and replicate r uses the same seeds at every parameter point.
A stream's seed comes from a hash of its name (as Starsim does), not from its place in a list, so a
new mechanism's stream leaves every other stream's draws unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from sim.units import STREAM_KEY_BYTES

STREAMS = ("setup", "combat", "harm", "negotiation", "implementation", "injury", "mesa",
           "posterior")  # posterior: which particle of a posterior a replicate takes (sim/draws.py)


def stream_key(stream: str) -> int:
    """The spawn-key entry of a named stream: the first 8 bytes of the SHA-256 of its name."""
    return int.from_bytes(hashlib.sha256(stream.encode("utf-8")).digest()[:STREAM_KEY_BYTES], "little")


def seed_sequence(root_seed: int, replicate: int, stream: str) -> np.random.SeedSequence:
    """The seed of one named stream of one replicate:
    SeedSequence(root, spawn_key=(replicate, stream_key(stream)))."""
    if stream not in STREAMS:
        raise KeyError(f"unknown random stream {stream!r}; the streams are {', '.join(STREAMS)}")
    return np.random.SeedSequence(int(root_seed), spawn_key=(int(replicate), stream_key(stream)))


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
    injury: np.random.Generator  # which of the civilians harmed or leaving a cell were already injured
    mesa: np.random.SeedSequence

    @classmethod
    def for_replicate(cls, root_seed: int, replicate: int) -> Streams:
        gens = {name: np.random.default_rng(seed_sequence(root_seed, replicate, name))
                for name in STREAMS if name not in ("mesa", "posterior")}
        return cls(mesa=seed_sequence(root_seed, replicate, "mesa"), **gens)
