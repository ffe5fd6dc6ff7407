"""Everything around the model: configs, runs, sweeps, sensitivity, evaluation and reports, in layers
(README, "How the code is organised"); each imports only the layers below it (checked by lint-imports)."""
