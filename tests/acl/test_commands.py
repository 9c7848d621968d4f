"""The authorization table of the commands is plain data: importable without click, so
the REST API can check the same rules."""

import subprocess
import sys

from cistrade_core.acl.commands import COMMANDS, LOCAL_ADMIN, Exempt, Permission, rule_for


def test_the_table_imports_without_click():
    code = ("import sys, cistrade_core.acl.commands as c; "
            "assert 'click' not in sys.modules, 'click imported'; print(len(c.COMMANDS))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(COMMANDS)


def test_every_rule_is_one_of_the_three_kinds():
    for command, rule in COMMANDS.items():
        assert isinstance(rule, Permission | Exempt) or rule is LOCAL_ADMIN, command
        if isinstance(rule, Permission):
            assert rule.resource.startswith("cis-") and rule.action, command
    assert rule_for("portfolio approve").resource == "cis-portfolio-approval"


def test_local_administrator_is_the_owner_of_the_home_or_root(tmp_path, monkeypatch):
    import os

    import pytest

    from cistrade_core.acl import commands

    owner = os.stat(tmp_path).st_uid
    for uid in (owner, 0):
        monkeypatch.setattr(commands, "effective_uid", lambda uid=uid: uid)
        commands.check_local_admin(tmp_path)
    monkeypatch.setattr(commands, "effective_uid", lambda: owner + 4242)
    with pytest.raises(commands.NotLocalAdmin, match=f"the owner of {tmp_path}"):
        commands.check_local_admin(tmp_path)
