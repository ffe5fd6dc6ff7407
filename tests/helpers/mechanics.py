"""Shared settings, strategies and builders for the tests of the pure mechanics."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from sim import decisions
from sim.decisions import FactionSituation, Terms
from sim.enums import WeaponsHandover
from sim.params import CombatParams, MediatorParams, NegotiationParams

FAST = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

NEG = NegotiationParams()
CP = CombatParams()
MP = MediatorParams()

unit = st.floats(0.0, 1.0, allow_nan=False)
open_unit = st.floats(0.01, 0.99, allow_nan=False)
pos = st.floats(0.1, 1e4, allow_nan=False)


def default_terms(**kw) -> Terms:
    base = dict(expulsion_fraction=0.25, weapons_handover=WeaponsHandover.ALL, besieger_entry=True)
    base.update(kw)
    return Terms(**base)


def situation(**kw) -> FactionSituation:
    base = dict(exile_share=np.array([0.25]), p_takeover=np.array([0.3]), resolve=np.array([0.55]),
                losses_share=np.array([0.05]), hardship=0.2, civilian_harm=1.25, months_besieged=1.0)
    base.update(kw)
    return FactionSituation(**base)


def calm(**kw) -> FactionSituation:
    """A faction for which fighting (0.19 at p=0.2) lies between exile (-0.2) and staying under an
    0.8-credible guarantee (0.35), so its counter-offer is interior (about 0.29 at exile_scale 1)."""
    base = dict(exile_share=np.zeros(1), p_takeover=np.array([0.2]), resolve=np.array([0.6]),
                losses_share=np.array([0.02]), hardship=0.1, civilian_harm=2.0, months_besieged=0.5)
    base.update(kw)
    return FactionSituation(**base)


def stay_value(credibility: float, terms: Terms, neg: NegotiationParams = NEG) -> float:
    return float(decisions.accept_value(np.array(0.0), credibility, terms, neg))
