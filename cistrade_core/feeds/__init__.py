"""Declarative definitions of the GMP reference-data feeds."""

from cistrade_core.feeds.definitions import FEEDS, get_feed
from cistrade_core.feeds.spec import Column, ColumnType, Feed, Reference

__all__ = ["FEEDS", "Column", "ColumnType", "Feed", "Reference", "get_feed"]
