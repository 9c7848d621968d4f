"""Two checkers approving the same version at the same moment: exactly one wins.

Real threads, each with its own connection to the same DuckDB file. A clock that
waits at a barrier holds both approvals inside their transactions until both
have started, so they really do overlap.
"""

import threading

import pytest

from cistrade_core.audit import log as audit_log
from cistrade_core.errors import ConflictError
from cistrade_core.portfolio import PortfolioService, Status


class BarrierClock:
    """Returns ``start``; while armed, the first call in each thread waits for the others."""

    def __init__(self, parties: int, start) -> None:
        self.start = start
        self.barrier = threading.Barrier(parties, timeout=20)
        self.local = threading.local()
        self.armed = False

    def __call__(self):
        if self.armed and not getattr(self.local, "waited", False):
            self.local.waited = True
            self.barrier.wait()
        return self.start

    def arm(self) -> None:
        self.armed = True
        self.local = threading.local()
        self.barrier.reset()


@pytest.mark.parametrize("rounds", [5])
def test_concurrent_approvals_exactly_one_succeeds(core, login, rounds):
    maker = login("maker1")
    checkers = [login("checker1"), login("checker2")]
    clock = BarrierClock(2, core.clock())
    racing = PortfolioService(core.warehouse, core.notifier, clock, dispatch=False)

    for i in range(rounds):
        code = f"RACE-{i:02d}"
        p = core.portfolios.create(maker, code, name=f"Race {i}", base_currency="USD",
                                   owner="maker1", desk="Race")
        p = core.portfolios.submit(maker, code, p.version)
        results: dict[str, object] = {}

        def approve(session, code=code, version=p.version, results=results):
            try:
                results[session.user_login] = racing.approve(session, code, version)
            except Exception as exc:  # collected and asserted below
                results[session.user_login] = exc

        clock.arm()
        threads = [threading.Thread(target=approve, args=(s,)) for s in checkers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)

        won = [r for r in results.values() if not isinstance(r, Exception)]
        lost = [r for r in results.values() if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1, results
        assert isinstance(lost[0], ConflictError), repr(lost[0])
        assert "same time" in str(lost[0])  # both were inside their transactions
        assert won[0].status is Status.ACTIVE and won[0].version == p.version + 1

        stored = core.portfolios.show(maker, code)
        assert (stored.status, stored.version, stored.approved_by) == (
            Status.ACTIVE, p.version + 1, won[0].approved_by)
        approvals = [h for h in core.portfolios.history(maker, code) if h["action"] == "APPROVE"]
        assert len(approvals) == 1
        assert audit_log.count(core.warehouse, action="APPROVE", entity_id=code,
                               outcome="SUCCESS") == 1
        assert audit_log.count(core.warehouse, action="APPROVE", entity_id=code,
                               outcome="CONFLICT") == 1
        # one confirmation mail queued, by the winner only
        assert core.warehouse.query(
            "SELECT count(*) AS n FROM gmp_cis.cis_mail_outbox WHERE portfolio_code = ? "
            "AND topic = 'portfolio.approval_confirmation'", [code])[0]["n"] == 1
