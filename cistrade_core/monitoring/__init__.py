"""Prometheus metrics of the platform's five signals, and the operator's view.

Metric families, one module each: :mod:`.gmp_metrics` (GMP ETL), :mod:`.acl_metrics`
(logins and permission maps), :mod:`.fx_metrics` (market-data feeds),
:mod:`.pool_metrics` (warehouse connection pools), :mod:`.mail_metrics` (email).

Two kinds of metric live here:

- **process metrics**, measured where the work happens (a login, a pool checkout,
  a GMP step) into :data:`.process.PROCESS_REGISTRY`. Long-running processes expose
  that registry; short-lived ones (a CLI command, an Airflow task) push it to a
  Pushgateway when ``CISTRADE_PUSHGATEWAY_URL`` is set (:mod:`.push`);
- **warehouse metrics**, read from the warehouse (load history, FX health, outbox)
  at scrape time by the collectors of :mod:`.scrape`, one read-only query per family.

:mod:`.scrape` serves both, for ``cistrade metrics serve`` and the Airflow plugin.
Nothing here imports Airflow.
"""
