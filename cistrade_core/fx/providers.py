"""HTTP clients of the market-data providers (Bloomberg, the primary; Reuters, the backup).

Each client keeps one :class:`requests.Session` (pooled keep-alive connections)
and calls its provider with explicit connect and read timeouts. Connection
errors, timeouts, 5xx and 429 are retried (:attr:`RetryPolicy.retries` times,
exponential backoff with jitter, at least the ``Retry-After`` the provider asks
for); 401 and 403 are not retried. The API key travels in a request header and
is scrubbed from every error message; it is never logged.

The two vendors' APIs differ a little, as real ones do:

* Bloomberg: ``POST {base}/v1/fx/snapshot`` with ``Authorization: Bearer KEY`` and
  a JSON body ``{"securities": ["EURUSD BGN Curncy", ...], "fields": [...]}``;
  the answer lists ``{"security", "fields": {"BID", "ASK", "MID", "LAST_UPDATE_TS"}}``
  with ISO 8601 timestamps, and ``securityErrors`` for what it does not cover.
* Reuters: ``GET {base}/data/pricing/snapshots/v1/?universe=EUR=,JPY=,...`` with
  ``X-Api-Key: KEY``; the answer is a list of ``{"Type": "Refresh", "Key": {"Name"},
  "Fields": {"BID", "ASK", "MID_PRICE", "TIMESTAMP_MS"}}`` (epoch milliseconds),
  and ``{"Type": "Status", ...}`` entries for unknown instruments.
"""

from __future__ import annotations

import json
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from cistrade_core.errors import CoreError
from cistrade_core.fx.models import FxRate
from cistrade_core.fx.pairs import COVERAGE, bloomberg_ticker, normalise_pair, reuters_ric

log = logging.getLogger(__name__)

USER_AGENT = "cistrade-fx/1.0"


# -- errors ----------------------------------------------------------------------------------
class ProviderError(CoreError):
    """A provider gave no usable answer. The message never contains the API key.

    ``status`` is what the feed-health record says of the provider (``unavailable``,
    ``auth_failed``, ...); ``outcome`` is the library's audit outcome, as for every error.
    """

    status = "failed"

    def __init__(self, provider: str, message: str, *, attempts: int = 1) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.detail = message
        self.attempts = attempts
        #: Seconds spent waiting between attempts (the backoff actually used).
        self.waited = 0.0

    @property
    def retries(self) -> int:
        return max(0, self.attempts - 1)


class ProviderUnavailable(ProviderError):
    """Still failing after the retries: connection errors, timeouts, 5xx, 429."""

    status = "unavailable"


class ProviderAuthError(ProviderError):
    """401 or 403: the API key is wrong or not entitled. Not retried."""

    status = "auth_failed"


class ProviderResponseError(ProviderError):
    """The provider answered, but not with a usable body (malformed JSON, unexpected status)."""

    status = "malformed"


class ProviderConfigError(ProviderError):
    """No base URL or no API key configured."""

    status = "not_configured"


class _Transient(Exception):
    """A failure worth another attempt; ``retry_after`` is the provider's request, in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# -- configuration ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ProviderEndpoint:
    """Where a provider is and the key to call it with (``api_key`` is kept out of ``repr``)."""

    name: str
    base_url: str
    api_key: str = field(repr=False)


@dataclass(frozen=True)
class RetryPolicy:
    """Timeouts and retries of one provider call (seconds)."""

    retries: int = 3
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    jitter: float = 0.5
    max_retry_after: float = 60.0
    connect_timeout: float = 3.05
    read_timeout: float = 10.0

    @property
    def attempts(self) -> int:
        return self.retries + 1


@dataclass
class FetchResult:
    """What one provider call returned."""

    provider: str
    requested: tuple[str, ...]
    rates: list[FxRate]
    attempts: int
    elapsed: float
    #: Records of the answer that could not be read, as (pair or identifier, reason).
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    #: Seconds spent waiting between attempts.
    waited: float = 0.0

    @property
    def retries(self) -> int:
        return max(0, self.attempts - 1)

    @property
    def missing(self) -> tuple[str, ...]:
        got = {r.pair for r in self.rates}
        return tuple(p for p in self.requested if p not in got)


def scrub(text: str, secret: str | None) -> str:
    """``text`` with ``secret`` replaced by ``***``."""
    if secret:
        text = text.replace(secret, "***")
    return text


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise InvalidOperation(f"not a number: {value!r}")
    result = Decimal(value) if isinstance(value, Decimal | int) else Decimal(str(value))
    if not result.is_finite():
        raise InvalidOperation(f"not a finite number: {value!r}")
    return result


# -- clients ---------------------------------------------------------------------------------
class ProviderClient(ABC):
    """Fetches a snapshot of FX quotes from one provider."""

    name: str = "abstract"

    def __init__(self, endpoint: ProviderEndpoint, policy: RetryPolicy | None = None,
                 session: requests.Session | None = None) -> None:
        if not endpoint.base_url:
            raise ProviderConfigError(self.name, "no base URL configured")
        if not endpoint.api_key:
            raise ProviderConfigError(self.name, "no API key configured")
        self.endpoint = endpoint
        self.policy = policy or RetryPolicy()
        self.session = session or self._new_session()
        self._backoff = wait_exponential_jitter(
            initial=self.policy.backoff_initial, max=self.policy.backoff_max,
            jitter=self.policy.jitter,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.endpoint.base_url!r})"

    @staticmethod
    def _new_session() -> requests.Session:
        session = requests.Session()
        # tenacity is the only retry layer: the adapter itself never retries.
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=4, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        return session

    @property
    def coverage(self) -> tuple[str, ...]:
        return COVERAGE[self.name]

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.policy.connect_timeout, self.policy.read_timeout)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> ProviderClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _url(self, path: str) -> str:
        return self.endpoint.base_url.rstrip("/") + path

    def _scrub(self, text: str) -> str:
        return scrub(text, self.endpoint.api_key)

    # -- the call with retries ----------------------------------------------------------------
    def fetch(self, pairs: Iterable[str] | None = None) -> FetchResult:
        """Quotes for ``pairs`` (default: the provider's whole coverage).

        Raises :class:`ProviderError` subclasses when no usable answer came back.
        """
        requested = tuple(normalise_pair(p) for p in (pairs if pairs is not None
                                                      else self.coverage))
        started = time.monotonic()
        attempts = 0

        def attempt() -> requests.Response:
            nonlocal attempts
            attempts += 1
            return self._attempt(requested)

        retrying = Retrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_after_attempt(self.policy.attempts),
            wait=self._wait,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            response = retrying(attempt)
        except _Transient as exc:
            error = ProviderUnavailable(
                self.name, f"{exc} (after {attempts} attempts)", attempts=attempts
            )
            error.waited = retrying.statistics.get("idle_for", 0.0)
            raise error from None
        except ProviderError as exc:
            exc.attempts = attempts
            exc.waited = retrying.statistics.get("idle_for", 0.0)
            raise
        waited = retrying.statistics.get("idle_for", 0.0)
        try:
            payload = json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise ProviderResponseError(
                self.name, self._scrub(f"malformed JSON in the answer: {exc}"), attempts=attempts
            ) from None
        try:
            rates, unreadable = self._parse(payload, requested)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ProviderResponseError(
                self.name, self._scrub(f"unexpected answer layout: {type(exc).__name__}: {exc}"),
                attempts=attempts,
            ) from None
        elapsed = time.monotonic() - started
        result = FetchResult(self.name, requested, rates, attempts, elapsed, unreadable, waited)
        log.info("%s: %d of %d pairs received in %.2fs (%d retries)", self.name, len(rates),
                 len(requested), elapsed, result.retries)
        return result

    def _attempt(self, requested: tuple[str, ...]) -> requests.Response:
        try:
            response = self._send(requested)
        except requests.Timeout as exc:
            raise _Transient(self._scrub(f"timed out: {type(exc).__name__}")) from None
        except requests.ConnectionError as exc:
            raise _Transient(self._scrub(f"connection failed: {_reason(exc)}")) from None
        except requests.RequestException as exc:
            raise _Transient(self._scrub(f"request failed: {type(exc).__name__}")) from None
        status = response.status_code
        if status in (401, 403):
            raise ProviderAuthError(
                self.name, f"HTTP {status}: the API key was rejected; check the "
                f"{self.name} credentials (not retried)",
            )
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > self.policy.max_retry_after:
                raise ProviderUnavailable(
                    self.name, f"HTTP 429 with Retry-After {retry_after:.0f}s, longer than the "
                    f"{self.policy.max_retry_after:.0f}s this run may wait",
                )
            raise _Transient("HTTP 429 Too Many Requests", retry_after=retry_after)
        if status >= 500:
            raise _Transient(f"HTTP {status} {self._scrub(response.reason or '')}".strip())
        if status != 200:
            raise ProviderResponseError(
                self.name, f"HTTP {status}: {self._scrub(response.text[:200])}"
            )
        return response

    def _wait(self, state: RetryCallState) -> float:
        backoff = self._backoff(state)
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        return max(backoff, retry_after) if retry_after is not None else backoff

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning("%s: attempt %d of %d failed (%s); retrying in %.2fs", self.name,
                    state.attempt_number, self.policy.attempts, exc, wait)

    # -- vendor specifics ---------------------------------------------------------------------
    @abstractmethod
    def _send(self, pairs: Sequence[str]) -> requests.Response:
        """One HTTP request for ``pairs``."""

    @abstractmethod
    def _parse(self, payload: Any, pairs: Sequence[str]
               ) -> tuple[list[FxRate], list[tuple[str, str]]]:
        """Rates and unreadable records from the decoded answer."""


def _reason(exc: requests.ConnectionError) -> str:
    """The class name of the innermost cause of a connection error (no URLs in it)."""
    inner: BaseException = exc
    for _ in range(8):
        nxt = getattr(inner, "reason", None)
        if not isinstance(nxt, BaseException):
            nxt = next((a for a in inner.args if isinstance(a, BaseException)), None)
        if nxt is None:
            break
        inner = nxt
    return type(inner).__name__


class BloombergClient(ProviderClient):
    """Bloomberg, the primary source (``bloomberg_default``)."""

    name = "bloomberg"
    FIELDS = ("BID", "ASK", "MID", "LAST_UPDATE_TS")

    def _send(self, pairs: Sequence[str]) -> requests.Response:
        body = {"securities": [bloomberg_ticker(p) for p in pairs], "fields": list(self.FIELDS)}
        return self.session.post(
            self._url("/v1/fx/snapshot"), json=body, timeout=self.timeout,
            headers={"Authorization": f"Bearer {self.endpoint.api_key}"},
        )

    def _parse(self, payload: Any, pairs: Sequence[str]
               ) -> tuple[list[FxRate], list[tuple[str, str]]]:
        wanted = {bloomberg_ticker(p): p for p in pairs}
        rates: list[FxRate] = []
        unreadable: list[tuple[str, str]] = []
        for item in payload["data"]:
            security = str(item.get("security", ""))
            pair = wanted.get(security)
            if pair is None:
                unreadable.append((security, "not requested"))
                continue
            try:
                fields = item["fields"]
                ts = datetime.fromisoformat(str(fields["LAST_UPDATE_TS"]).replace("Z", "+00:00"))
                bid, ask = _decimal(fields["BID"]), _decimal(fields["ASK"])
                mid = _decimal(fields["MID"]) if fields.get("MID") is not None else (bid + ask) / 2
            except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
                unreadable.append((pair, f"unreadable record: {type(exc).__name__}"))
                continue
            rates.append(FxRate(pair, bid, ask, mid, _utc(ts), self.name, security))
        for err in payload.get("securityErrors") or ():
            security = str(err.get("security", ""))
            log.debug("%s: %s not supplied (%s)", self.name, security, err.get("code"))
        return rates, unreadable


class ReutersClient(ProviderClient):
    """Reuters, the backup source (``reuters_default``)."""

    name = "reuters"
    FIELDS = ("BID", "ASK", "MID_PRICE", "TIMESTAMP_MS")

    def _send(self, pairs: Sequence[str]) -> requests.Response:
        params = {"universe": ",".join(reuters_ric(p) for p in pairs),
                  "fields": ",".join(self.FIELDS)}
        return self.session.get(
            self._url("/data/pricing/snapshots/v1/"), params=params, timeout=self.timeout,
            headers={"X-Api-Key": self.endpoint.api_key},
        )

    def _parse(self, payload: Any, pairs: Sequence[str]
               ) -> tuple[list[FxRate], list[tuple[str, str]]]:
        if not isinstance(payload, list):
            raise TypeError("expected a list of instrument messages")
        wanted = {reuters_ric(p): p for p in pairs}
        rates: list[FxRate] = []
        unreadable: list[tuple[str, str]] = []
        for item in payload:
            ric = str(item["Key"]["Name"])
            if item.get("Type") != "Refresh":
                log.debug("%s: %s not supplied (%s)", self.name, ric,
                          (item.get("State") or {}).get("Code"))
                continue
            pair = wanted.get(ric)
            if pair is None:
                unreadable.append((ric, "not requested"))
                continue
            try:
                fields = item["Fields"]
                ts = datetime.fromtimestamp(int(fields["TIMESTAMP_MS"]) / 1000, UTC)
                bid, ask = _decimal(fields["BID"]), _decimal(fields["ASK"])
                mid = (_decimal(fields["MID_PRICE"]) if fields.get("MID_PRICE") is not None
                       else (bid + ask) / 2)
            except (KeyError, TypeError, ValueError, InvalidOperation, OverflowError) as exc:
                unreadable.append((pair, f"unreadable record: {type(exc).__name__}"))
                continue
            rates.append(FxRate(pair, bid, ask, mid, ts, self.name, ric))
        return rates, unreadable


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


CLIENTS: dict[str, type[ProviderClient]] = {"bloomberg": BloombergClient,
                                            "reuters": ReutersClient}


def make_client(endpoint: ProviderEndpoint, policy: RetryPolicy | None = None) -> ProviderClient:
    """The client for ``endpoint.name`` (``bloomberg`` or ``reuters``)."""
    try:
        cls = CLIENTS[endpoint.name]
    except KeyError:
        raise ValueError(f"unknown provider {endpoint.name!r}; known: {', '.join(CLIENTS)}"
                         ) from None
    return cls(endpoint, policy)
