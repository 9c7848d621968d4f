"""Bloomberg against Reuters, after the Reuters run."""

from datetime import timedelta
from decimal import Decimal

from cistrade_core.fx.divergence import check_divergence, find_divergences
from cistrade_core.fx.load import run_load
from tests.fx_fixtures import alert_mails, recorded_alerts


def load(provider, store, mail_settings, fx_settings, endpoints):
    return run_load(provider, settings=mail_settings, fx=fx_settings, endpoints=endpoints,
                    store=store)


def test_providers_in_line_raise_nothing(sim, store, mail_settings, fx_settings, endpoints,
                                         smtp_server):
    load("bloomberg", store, mail_settings, fx_settings, endpoints)
    load("reuters", store, mail_settings, fx_settings, endpoints)
    found, compared = find_divergences(store, threshold_bp=Decimal(25),
                                       max_age=timedelta(minutes=30))
    assert found == [] and compared == 125
    assert check_divergence(store, mail_settings, threshold_bp=Decimal(25),
                            max_age=timedelta(minutes=30), run_id="d-1") == []
    assert alert_mails(smtp_server) == {}


def test_a_reuters_mid_off_by_one_percent_is_alerted(sim, store, mail_settings, fx_settings,
                                                     endpoints, smtp_server):
    load("bloomberg", store, mail_settings, fx_settings, endpoints)
    sim.set_fault("reuters", "jump", size=0.01, pairs=["EURUSD", "USDJPY"])
    report = load("reuters", store, mail_settings, fx_settings, endpoints)
    assert report.held == []  # 1 % is under the jump limit: stored
    found = check_divergence(store, mail_settings, threshold_bp=Decimal(25),
                             max_age=timedelta(minutes=30), run_id="d-2")
    assert [d.pair for d in found] == ["EURUSD", "USDJPY"]
    assert all(Decimal(90) < d.gap_bp < Decimal(110) for d in found)
    [mail] = alert_mails(smtp_server)["divergence"]
    assert "2 pairs where Bloomberg and Reuters differ by more than 25 bp" in mail["Subject"]
    assert "EURUSD: bloomberg" in mail.get_content()
    assert [a["topic"] for a in recorded_alerts(store, "d-2")] == ["fx.divergence"]


def test_old_rates_are_not_compared(sim, store, mail_settings, fx_settings, endpoints):
    load("bloomberg", store, mail_settings, fx_settings, endpoints)
    load("reuters", store, mail_settings, fx_settings, endpoints)
    from cistrade_core.clock import utcnow

    found, compared = find_divergences(store, threshold_bp=Decimal(0),
                                       max_age=timedelta(minutes=30),
                                       now=utcnow() + timedelta(hours=1))
    assert (found, compared) == ([], 0)
