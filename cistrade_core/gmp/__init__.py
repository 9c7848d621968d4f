"""The daily GMP reference-data load: checks, load, refresh, alerts.

Sample drops for demos and tests are made by :mod:`cistrade_dev.gmp_samples`.
"""
