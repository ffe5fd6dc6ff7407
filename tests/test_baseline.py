"""The default run at a fixed seed against the pinned baseline (tests/baseline.json)."""

from __future__ import annotations

from helpers.baseline import compute, differences, load


def test_default_run_matches_the_pinned_baseline():
    changed = differences(load(), compute())
    assert not changed, ("results moved; if that is intended, run `python tests/update_baseline.py` and commit "
                         "tests/baseline.json with the reason:\n" + "\n".join(changed[:20]))


def test_the_comparison_names_what_moved():
    expected = {"outcomes": {"full_evacuation": 2, "military_takeover": 0}, "daily_rows": 10}
    actual = {"outcomes": {"full_evacuation": 3, "military_takeover": 0}, "daily_rows": 10}
    assert differences(expected, actual) == ["outcomes.full_evacuation: 2 -> 3"]
