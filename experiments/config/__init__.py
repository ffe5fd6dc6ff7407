"""The Hydra edge: the run schema, case files as scenarios, composition and validation."""
