"""Rewrite tests/baseline.json from the current model: `python tests/update_baseline.py`.

Run it only when a change is meant to alter results, commit the new file with that change, and say
in the commit message why the results moved. It prints what changed."""

from __future__ import annotations

import json

from helpers.baseline import BASELINE_PATH, compute, differences, load


def main() -> None:
    new = compute()
    old = load() if BASELINE_PATH.exists() else {}
    BASELINE_PATH.write_text(json.dumps(new, indent=2) + "\n")
    changed = differences(old, new)
    print(f"{BASELINE_PATH}: " + (f"{len(changed)} values changed" if changed else "unchanged"))
    for line in changed:
        print("  " + line)


if __name__ == "__main__":
    main()
