"""The CisTrade Airflow plugin: the CisTrade page in the UI, its API apps, the metrics listener.

Airflow imports every ``.py`` file of the plugins folder and registers the
``AirflowPlugin`` subclasses it finds, so the registration lives here alone; the
DAG files keep importing the glue package ``cistrade_airflow`` without it. The
FastAPI app is built on first use, in the API server only, so other Airflow
processes (scheduler, workers, DAG processor) do not import FastAPI for it.

Two apps are mounted: the monitoring app under ``/cistrade`` (behind Airflow's
own authentication) and the CisTrade REST API under ``/cistrade-api``
(``/cistrade-api/api/v1/...``), which authenticates with CisTrade's ACL (its
own tokens from ``/cistrade-api/api/v1/token``), not with Airflow's users.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

from cistrade_airflow import monitoring_listener
from cistrade_airflow.monitoring_app import URL_PREFIX

#: Where Airflow's API server mounts the CisTrade REST API.
API_PREFIX = "/cistrade-api"


class CisTradePlugin(AirflowPlugin):
    name = "cistrade"
    external_views = [{
        "name": "CisTrade",
        "href": f"{URL_PREFIX}/ui/",
        "url_route": "cistrade",
        "destination": "nav",
        "nav_top_level": True,
    }]
    listeners = [monitoring_listener]

    @property
    def fastapi_apps(self) -> list[dict[str, Any]]:  # type: ignore[override]
        from cistrade_airflow.monitoring_app import create_app
        from cistrade_core.api import create_app as create_api

        return [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "CisTrade"},
                {"app": create_api(), "url_prefix": API_PREFIX, "name": "CisTrade API"}]
