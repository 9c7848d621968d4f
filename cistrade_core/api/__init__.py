"""The CisTrade REST API (FastAPI, versioned under ``/api/v1``).

Built on the same library calls as the ``cistrade`` command: the routes only
translate HTTP to those calls and back. Served by ``cistrade api serve``
(uvicorn) and mounted in Airflow's api-server by the CisTrade plugin.
"""

from cistrade_core.api.app import PREFIX, create_app

__all__ = ["PREFIX", "create_app"]
