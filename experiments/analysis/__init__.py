"""Pure summaries of tables: outcome probabilities, quantiles, a sweep's per-point summary."""
