"""Portfolios: the maker-checker workflow, versions and history."""

from cistrade_core.portfolio.model import PendingAction, Portfolio, Status, changes
from cistrade_core.portfolio.store import PortfolioFilter
from cistrade_core.portfolio.workflow import PortfolioService

__all__ = ["PendingAction", "Portfolio", "PortfolioFilter", "PortfolioService", "Status",
           "changes"]
