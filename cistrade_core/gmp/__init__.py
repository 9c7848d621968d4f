"""The daily GMP reference-data load: checks, load, refresh, alerts, sample drops."""
