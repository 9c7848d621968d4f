"""Logging the command line in as a user with given grants, for tests of commands that
need a session (``cistrade acl login`` through the real command)."""

from __future__ import annotations

import secrets

from click.testing import CliRunner


def cli_login(grants: dict[str, str], login: str = "operator1") -> str:
    """Create ``login`` in a group with ``grants`` ({resource: level}) in the configured
    warehouse and log the CLI in as that user (session file in CISTRADE_HOME)."""
    from cistrade_core.acl import AclAdmin, SystemActor
    from cistrade_core.cli import main
    from cistrade_core.schema import ensure_core_schema
    from cistrade_core.warehouse import get_warehouse

    warehouse = get_warehouse()
    ensure_core_schema(warehouse)
    admin = AclAdmin(warehouse, SystemActor("admin:test"))
    group = f"{login}-grants"
    admin.create_group(group)
    for resource, level in grants.items():
        admin.grant(group, resource, level)
    password = secrets.token_urlsafe(12)
    admin.create_user(login, login, f"{login}@example.com", password, [group])
    result = CliRunner().invoke(main, ["acl", "login", "--user", login],
                                env={"CISTRADE_PASSWORD": password})
    assert result.exit_code == 0, result.output
    return login
