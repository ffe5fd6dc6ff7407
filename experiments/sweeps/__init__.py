"""Sweeps: the sweep folder (its one reader and writer), the point job, checks, progress, aggregation."""
