"""Initialise an Airflow deployment: migrate the metadata database, then create (or
replace) every connection, Variable and pool of ``deploy/airflow-objects.yaml``.

Run by the airflow-init service of ``docker-compose.yaml`` and by
``scripts/stack.sh start``::

    python deploy/init_airflow.py [--objects deploy/airflow-objects.yaml] [--no-migrate]

``${NAME}`` and ``${NAME:-default}`` in the YAML file are read from the environment;
passwords are never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ObjectsError(ValueError):
    """The objects file names a variable the environment does not set."""


def expand(value: Any) -> Any:
    """``value`` with every ``${NAME}`` / ``${NAME:-default}`` replaced from the environment."""
    if isinstance(value, dict):
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    if not isinstance(value, str):
        return value

    def sub(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise ObjectsError(f"${{{name}}} is not set in the environment")
        return default

    expanded = _REF.sub(sub, value)
    if expanded != value and expanded.lower() in {"true", "false"}:
        return expanded.lower() == "true"
    return expanded


def load_objects(path: Path) -> dict[str, dict[str, Any]]:
    """The connections, Variables and pools of ``path``, expanded."""
    raw = yaml.safe_load(path.read_text()) or {}
    unknown = set(raw) - {"connections", "variables", "pools"}
    if unknown:
        raise ObjectsError(f"{path}: unknown sections {sorted(unknown)}")
    return {section: expand(raw.get(section) or {})
            for section in ("connections", "variables", "pools")}


def _port(value: Any) -> int | None:
    return int(value) if str(value or "").strip() else None


def create_objects(objects: dict[str, dict[str, Any]]) -> None:
    """Replace the connections, Variables and pools in the metadata database."""
    from airflow.models import Connection, Pool, Variable
    from airflow.utils.session import create_session

    with create_session() as session:
        for conn_id, spec in objects["connections"].items():
            session.query(Connection).filter(Connection.conn_id == conn_id).delete()
            session.add(Connection(
                conn_id=conn_id, conn_type=spec["conn_type"], host=spec.get("host") or None,
                port=_port(spec.get("port")), schema=spec.get("schema") or None,
                login=spec.get("login") or None, password=spec.get("password") or None,
                extra=json.dumps(spec["extra"]) if spec.get("extra") else None,
            ))
            print(f"connection {conn_id} defined")
        for name, spec in objects["pools"].items():
            pool = session.query(Pool).filter(Pool.pool == name).one_or_none()
            if pool is None:
                pool = Pool(pool=name, include_deferred=False)
                session.add(pool)
            pool.slots = int(spec["slots"])
            pool.description = spec.get("description", "")
            print(f"pool {name}: {pool.slots} slots")
    for key, value in objects["variables"].items():
        Variable.set(key, value)
        print(f"variable {key} set")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=Path, default=HERE / "airflow-objects.yaml")
    parser.add_argument("--no-migrate", action="store_true")
    args = parser.parse_args(argv)
    try:
        objects = load_objects(args.objects)
    except (ObjectsError, OSError, yaml.YAMLError) as exc:
        print(f"init_airflow: {exc}", file=sys.stderr)
        return 2
    if not args.no_migrate:
        airflow = Path(sys.executable).parent / "airflow"
        subprocess.run([str(airflow) if airflow.exists() else "airflow", "db", "migrate"],
                       check=True, stdout=subprocess.DEVNULL)
        print("metadata database migrated")
    create_objects(objects)
    return 0


if __name__ == "__main__":
    sys.exit(main())
