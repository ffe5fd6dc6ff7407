"""Helpers the tests share: scenario parameters composed as the run job composes them, batches of
replicates as tables, a bootstrap interval, and the pinned baseline's summary."""
