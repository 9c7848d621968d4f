"""The seeded warehouse in CISTRADE_HOME and a CLI runner logging in as its users."""

import shutil

import pytest
from click.testing import CliRunner

from cistrade_core.cli import main


@pytest.fixture
def home(smtp_server, settings, core_seed, monkeypatch):
    """The seeded warehouse in CISTRADE_HOME (not held open: the CLI opens it per command).

    Mail from the commands goes to the test SMTP server.
    """
    shutil.copy(core_seed.template, settings.warehouse_path)
    monkeypatch.delenv("CISTRADE_PASSWORD", raising=False)
    monkeypatch.delenv("CISTRADE_SESSION_FILE", raising=False)
    return settings.home


@pytest.fixture
def cli(home, core_seed):
    runner = CliRunner()

    def run(*args, user=None, input=None, expect=0):
        env = {"CISTRADE_PASSWORD": core_seed.passwords[user]} if user else {}
        result = runner.invoke(main, list(args), env=env, input=input)
        assert result.exit_code == expect, (args, result.output, result.exception)
        return result.output

    run.as_user = lambda user: run("acl", "login", "--user", user, user=user)
    return run
