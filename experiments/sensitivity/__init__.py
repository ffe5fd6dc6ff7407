"""Global sensitivity analysis: uncertain ranges, SALib designs as sweeps, indices, scenario discovery."""
