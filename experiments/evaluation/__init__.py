"""Judging the model against history: scores, the hindcast of the cases, the calibration."""
