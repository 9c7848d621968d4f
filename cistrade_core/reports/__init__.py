"""Scheduled reports: definitions in ``reports/``, queries, CSV/XLSX/PDF rendering, delivery."""
