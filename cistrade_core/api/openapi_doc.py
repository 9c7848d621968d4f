"""The OpenAPI document as checked in (``docs/openapi.json``): stable, sorted JSON."""

from __future__ import annotations

import json


def render() -> str:
    """The document of an app built without a warehouse (nothing is opened)."""
    from cistrade_core.api.app import create_app

    return json.dumps(create_app().openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
