"""Fuzz tests for the loaders; run with `make fuzz` (hypothesis profile "fuzz")."""
