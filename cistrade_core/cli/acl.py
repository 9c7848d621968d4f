"""``cistrade acl``: log in and out, and manage users, groups and permissions.

Log in with ``cistrade acl login --user LOGIN``; the password comes from
``CISTRADE_PASSWORD`` or a hidden prompt. The management commands act as the
local administrator (whoever can open the warehouse) and are audited as such.
"""

from __future__ import annotations

import os
import secrets

import click

from cistrade_core.cli.common import (
    admin_actor,
    core_errors,
    current_session,
    echo,
    echo_json,
    get_core,
    read_password,
)


@click.group()
def acl() -> None:
    """Sessions, users, groups and permissions."""


@acl.command()
@click.option("--user", "login", required=True, help="Your login.")
def login(login: str) -> None:
    """Log in; the session is kept for 8 hours (password from CISTRADE_PASSWORD or a prompt)."""
    from cistrade_core.cli.session_file import save, session_path

    core = get_core()
    password = read_password(f"Password for {login}")
    with core_errors():
        session = core.sessions.login(login, password)
    path = session_path(core.settings)
    save(path, session)
    echo(f"logged in as {session.user_login} ({session.user_group_name or 'no group'}) "
               f"until {session.expires_at:%Y-%m-%d %H:%M} UTC")


@acl.command()
def logout() -> None:
    """End the session and remove the session file."""
    from cistrade_core.cli.session_file import SessionFileError, load_token, remove, session_path

    core = get_core()
    path = session_path(core.settings)
    try:
        token = load_token(path)
    except SessionFileError:
        token = None
    if token is None:
        remove(path)
        echo("not logged in")
        return
    try:
        session = current_session(core)
    except click.ClickException:  # unknown to the warehouse: nothing to end there
        remove(path)
        echo("not logged in")
        return
    with core_errors():
        core.sessions.logout(session)
    remove(path)
    echo(f"logged out {session.user_login}")


@acl.command()
def whoami() -> None:
    """The session data: user, primary group and the permission map in force now.

    Exits 3 with the reason when the session is no longer valid (expired, logged out,
    user disabled or password changed).
    """
    core = get_core()
    session = current_session(core)
    with core_errors():
        live = core.sessions.validate(session)
    echo_json({**live.data(), "expires_at": live.expires_at, "valid": True})


@acl.command("create-group")
@click.argument("name")
@click.option("--description")
@click.option("--parent", help="Parent group: its permissions are inherited.")
def create_group(name: str, description: str | None, parent: str | None) -> None:
    """Create a group."""
    with core_errors():
        gid = get_core().admin(admin_actor()).create_group(name, description, parent)
    echo(f"group {name} created (id {gid})")


@acl.command("set-parent")
@click.argument("group")
@click.argument("parent", required=False)
def set_parent(group: str, parent: str | None) -> None:
    """Set (or, without PARENT, clear) a group's parent."""
    with core_errors():
        get_core().admin(admin_actor()).set_parent(group, parent)
    echo(f"{group}: parent {parent or 'none'}")


@acl.command()
@click.argument("group")
@click.argument("resource")
@click.argument("level", type=click.Choice(["READ", "WRITE", "READ_WRITE"],
                                           case_sensitive=False))
def grant(group: str, resource: str, level: str) -> None:
    """Grant GROUP access LEVEL on RESOURCE (e.g. cis-portfolio READ_WRITE)."""
    with core_errors():
        get_core().admin(admin_actor()).grant(group, resource, level)
    echo(f"{group}: {resource} {level.upper()}")


@acl.command()
@click.argument("group")
@click.argument("resource")
def revoke(group: str, resource: str) -> None:
    """Remove GROUP's grant on RESOURCE."""
    with core_errors():
        get_core().admin(admin_actor()).revoke(group, resource)
    echo(f"{group}: {resource} revoked")


@acl.command("create-user")
@click.argument("login")
@click.option("--name", required=True, help="Full name.")
@click.option("--email", required=True)
@click.option("--group", "groups", multiple=True, help="Group (repeat; the first is primary).")
@click.option("--disabled", is_flag=True, help="Create the user disabled.")
@click.option("--password-env", default="CISTRADE_NEW_PASSWORD", show_default=True,
              help="Environment variable holding the password (else you are prompted).")
def create_user(login: str, name: str, email: str, groups: tuple[str, ...], disabled: bool,
                password_env: str) -> None:
    """Create a user."""
    password = read_password(f"Password for {login}", password_env, confirm=True)
    with core_errors():
        uid = get_core().admin(admin_actor()).create_user(login, name, email, password,
                                                          list(groups), enabled=not disabled)
    echo(f"user {login} created (id {uid})")


@acl.command("add-member")
@click.argument("login")
@click.argument("group")
@click.option("--primary", is_flag=True, help="Make it the user's primary group.")
def add_member(login: str, group: str, primary: bool) -> None:
    """Add a user to a group."""
    with core_errors():
        get_core().admin(admin_actor()).add_to_group(login, group, primary)
    echo(f"{login} added to {group}")


@acl.command("remove-member")
@click.argument("login")
@click.argument("group")
def remove_member(login: str, group: str) -> None:
    """Remove a user from a group."""
    with core_errors():
        get_core().admin(admin_actor()).remove_from_group(login, group)
    echo(f"{login} removed from {group}")


@acl.command()
@click.argument("login")
def enable(login: str) -> None:
    """Enable a user."""
    with core_errors():
        get_core().admin(admin_actor()).set_enabled(login, True)
    echo(f"{login} enabled")


@acl.command()
@click.argument("login")
def disable(login: str) -> None:
    """Disable a user and end their sessions."""
    with core_errors():
        get_core().admin(admin_actor()).set_enabled(login, False)
    echo(f"{login} disabled")


@acl.command("set-password")
@click.argument("login")
@click.option("--password-env", default="CISTRADE_NEW_PASSWORD", show_default=True)
def set_password(login: str, password_env: str) -> None:
    """Set a user's password (ends their sessions)."""
    password = read_password(f"New password for {login}", password_env, confirm=True)
    with core_errors():
        get_core().admin(admin_actor()).set_password(login, password)
    echo(f"password of {login} changed")


@acl.command()
def users() -> None:
    """List users."""
    with core_errors():
        rows = get_core().admin(admin_actor()).list_users()
    for u in rows:
        state = "enabled" if u.enabled else "DISABLED"
        echo(f"{u.user_login:<16} {state:<8} {u.user_email:<32} {', '.join(u.groups)}")


@acl.command()
def groups() -> None:
    """List groups with their parent and grants."""
    with core_errors():
        rows = get_core().admin(admin_actor()).list_groups()
    for g in rows:
        grants = ", ".join(f"{r}={lvl}" for r, lvl in sorted(g.permissions.items()))
        echo(f"{g.group_name:<16} parent={g.parent_group_name or '-':<12} {grants}")


@acl.command()
@click.argument("login")
def permissions(login: str) -> None:
    """The permission map LOGIN gets at login (own and inherited grants)."""
    with core_errors():
        perms = get_core().admin(admin_actor()).effective_permissions(login)
    echo_json(perms)


DEMO_GROUPS = (
    # name, parent, description, grants
    ("CisTrade Staff", None, "everyone: read portfolios, UDFs, reference data and FX rates",
     (("cis-portfolio", "READ"), ("cis-udf", "READ"), ("cis-gmp", "READ"), ("cis-fx", "READ"))),
    ("Makers", "CisTrade Staff", "prepare portfolio changes", (("cis-portfolio", "WRITE"),)),
    ("Checkers", "CisTrade Staff", "approve or reject portfolio changes",
     (("cis-portfolio-approval", "WRITE"),)),
    ("Auditors", "CisTrade Staff", "read the audit log, run the reports",
     (("cis-audit", "READ"), ("cis-report", "READ_WRITE"), ("cis-gmp", "READ"),
      ("cis-fx", "READ"))),
    ("UDF Admins", "CisTrade Staff", "define user-defined fields", (("cis-udf", "WRITE"),)),
)
DEMO_USERS = (
    # login, name, groups, password variable
    ("demo_maker", "Demo Maker", ("Makers", "UDF Admins"), "CISTRADE_DEMO_MAKER_PASSWORD"),
    ("demo_checker", "Demo Checker", ("Checkers",), "CISTRADE_DEMO_CHECKER_PASSWORD"),
    ("demo_auditor", "Demo Auditor", ("Auditors",), "CISTRADE_DEMO_AUDITOR_PASSWORD"),
)


@acl.command("seed-demo")
@click.option("--email-domain", default="localhost", show_default=True)
def seed_demo(email_domain: str) -> None:
    """Create demo groups and a maker, a checker and an auditor (skips what exists).

    Passwords come from CISTRADE_DEMO_MAKER_PASSWORD, CISTRADE_DEMO_CHECKER_PASSWORD
    and CISTRADE_DEMO_AUDITOR_PASSWORD; a missing one is generated and printed once.
    """
    from cistrade_core.acl import store

    core = get_core()
    admin = core.admin(admin_actor())
    with core_errors():
        existing = {g.group_name: dict(g.permissions) for g in admin.list_groups()}
        for name, parent, description, grants in DEMO_GROUPS:
            if name not in existing:
                admin.create_group(name, description, parent)
                echo(f"group {name} created")
            for resource, level in grants:  # also grants added since an earlier seed
                if existing.get(name, {}).get(resource) != level:
                    admin.grant(name, resource, level)
        for login_name, full_name, user_groups, env in DEMO_USERS:
            if store.get_user(core.warehouse, login_name) is not None:
                echo(f"user {login_name} exists")
                continue
            password = os.environ.get(env)
            generated = not password
            password = password or secrets.token_urlsafe(12)
            admin.create_user(login_name, full_name, f"{login_name}@{email_domain}", password,
                              list(user_groups))
            if generated:
                echo(f"user {login_name} created; password (shown once): {password}")
            else:
                echo(f"user {login_name} created; password from {env}")
