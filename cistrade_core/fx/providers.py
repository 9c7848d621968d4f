"""HTTP clients of the market-data providers (Bloomberg, the primary; Reuters, the backup).

Each client keeps one :class:`requests.Session` (pooled keep-alive connections)
and calls its provider with explicit connect and read timeouts, and an overall
:attr:`RetryPolicy.deadline` per attempt: a watchdog shuts the connection when an
answer is not complete by then, so a server trickling bytes cannot hold a call
past it. Answers are read up to :attr:`RetryPolicy.max_answer_bytes`. Connection
errors, timeouts, 5xx and 429 are retried (:attr:`RetryPolicy.retries` times,
exponential backoff with jitter, at least the ``Retry-After`` the provider asks
for); 401 and 403 are not retried. Redirects are never followed (a 3xx is a
malformed answer), so the API key, which travels in a request header, only ever
goes to the configured host; it is scrubbed from every error message and never
logged.

Answers are parsed by :func:`parse_bloomberg` and :func:`parse_reuters`, one
record at a time: a record that cannot be read (a field missing, not a number, a
number or timestamp out of range) is set aside with a reason naming the field and
what was expected, and the other records are kept. JSON numbers are read as
:class:`~decimal.Decimal` (no float rounding, no integer digit limit); nesting
deeper than the decoder allows makes the answer malformed, never a crash.

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
import socket
import threading
import time
import weakref
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

from cistrade_core.clock import utcnow
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
    #: The most one attempt may take, from sending the request to the answer's last byte.
    deadline: float = 30.0
    #: Larger answers are refused (the whole coverage is well under 1 MiB).
    max_answer_bytes: int = 8 * 1024 * 1024

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
    return max(0.0, (when - utcnow()).total_seconds())


#: Numbers beyond these powers of ten are no price (storage checks the exact range).
MAX_EXPONENT = 30


class RecordError(CoreError, ValueError):
    """One record of an answer cannot be read; the message names the field and what was
    expected."""

    outcome = "INVALID"


class AnswerLayoutError(CoreError, ValueError):
    """The answer as a whole is not laid out as the provider's API says."""

    outcome = "INVALID"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."


def _decimal(value: Any, name: str = "value") -> Decimal:
    """A JSON number (or numeric text) as a finite Decimal within 10^±30."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise RecordError(f"{name}: expected a number, got {_shown(value)}")
    try:
        result = value if isinstance(value, Decimal) else Decimal(
            value if isinstance(value, int) else str(value).strip())
    except (InvalidOperation, ValueError):
        raise RecordError(f"{name}: expected a number, got {_shown(value)}") from None
    if not result.is_finite():
        raise RecordError(f"{name}: expected a finite number, got {_shown(value)}")
    if result and abs(result.adjusted()) > MAX_EXPONENT:
        raise RecordError(f"{name}: expected a number between 1E-{MAX_EXPONENT} and "
                          f"1E+{MAX_EXPONENT}, got {_shown(value)}")
    return result


def _field(fields: Any, name: str) -> Any:
    if not isinstance(fields, dict):
        raise RecordError(f"fields: expected an object of {name} and the other fields, got "
                          f"{_shown(fields)}")
    if fields.get(name) is None:
        raise RecordError(f"{name}: expected a value, found none")
    return fields[name]


def _prices(fields: Any, mid_name: str) -> tuple[Decimal, Decimal, Decimal]:
    bid, ask = _decimal(_field(fields, "BID"), "BID"), _decimal(_field(fields, "ASK"), "ASK")
    mid = (_decimal(fields[mid_name], mid_name) if fields.get(mid_name) is not None
           else (bid + ask) / 2)
    return bid, ask, mid


#: Provider timestamps are taken between these (epoch milliseconds, years 1970 to 9999).
_MAX_EPOCH_MS = 253402300799999
_MAX_TIMESTAMP_TEXT = 40


def _iso_timestamp(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or len(value) > _MAX_TIMESTAMP_TEXT:
        raise RecordError(f"{name}: expected an ISO 8601 timestamp, got {_shown(value)}")
    try:
        ts = _utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise RecordError(f"{name}: expected an ISO 8601 timestamp, got {_shown(value)}"
                          ) from None
    if ts.year < 1970:
        raise RecordError(f"{name}: expected a timestamp from 1970 on, got {_shown(value)}")
    return ts


def _epoch_ms(value: Any, name: str) -> datetime:
    ms = _decimal(value, name)
    if ms != ms.to_integral_value() or not 0 <= ms <= _MAX_EPOCH_MS:
        raise RecordError(f"{name}: expected whole epoch milliseconds between 0 and "
                          f"{_MAX_EPOCH_MS} (years 1970 to 9999), got {_shown(value)}")
    return datetime.fromtimestamp(int(ms) / 1000, UTC)


def parse_bloomberg(payload: Any, pairs: Sequence[str], source: str = "bloomberg"
                    ) -> tuple[list[FxRate], list[tuple[str, str]]]:
    """Rates and set-aside records (identifier, reason) of a Bloomberg snapshot answer.

    Raises :class:`AnswerLayoutError` when the answer is not an object with a ``data`` list.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise AnswerLayoutError("expected an object with a 'data' list of securities")
    wanted = {bloomberg_ticker(p): p for p in pairs}
    rates: list[FxRate] = []
    unreadable: list[tuple[str, str]] = []
    for index, item in enumerate(payload["data"]):
        if not isinstance(item, dict):
            unreadable.append((f"data[{index}]", f"expected an object, got {_shown(item)}"))
            continue
        security = item.get("security")
        pair = wanted.get(security) if isinstance(security, str) else None
        if pair is None:
            unreadable.append((_shown(security), "not requested: expected one of the "
                                                 "securities asked for"))
            continue
        try:
            fields = item.get("fields")
            ts = _iso_timestamp(_field(fields, "LAST_UPDATE_TS"), "LAST_UPDATE_TS")
            bid, ask, mid = _prices(fields, "MID")
        except RecordError as exc:
            unreadable.append((pair, f"unreadable record: {exc}"))
            continue
        rates.append(FxRate(pair, bid, ask, mid, ts, source, security))
    errors = payload.get("securityErrors")
    for err in errors if isinstance(errors, list) else ():
        if isinstance(err, dict):
            log.debug("%s: %s not supplied (%s)", source, _shown(err.get("security")),
                      _shown(err.get("code")))
    return rates, unreadable


def parse_reuters(payload: Any, pairs: Sequence[str], source: str = "reuters"
                  ) -> tuple[list[FxRate], list[tuple[str, str]]]:
    """Rates and set-aside records (identifier, reason) of a Reuters snapshot answer.

    Raises :class:`AnswerLayoutError` when the answer is not a list of instrument messages.
    """
    if not isinstance(payload, list):
        raise AnswerLayoutError("expected a list of instrument messages")
    wanted = {reuters_ric(p): p for p in pairs}
    rates: list[FxRate] = []
    unreadable: list[tuple[str, str]] = []
    for index, item in enumerate(payload):
        key = item.get("Key") if isinstance(item, dict) else None
        ric = key.get("Name") if isinstance(key, dict) else None
        if not isinstance(ric, str):
            unreadable.append((f"[{index}]", "expected a message with Key.Name, got "
                                             f"{_shown(item)}"))
            continue
        if item.get("Type") != "Refresh":
            state = item.get("State")
            log.debug("%s: %s not supplied (%s)", source, _shown(ric),
                      _shown(state.get("Code") if isinstance(state, dict) else state))
            continue
        pair = wanted.get(ric)
        if pair is None:
            unreadable.append((_shown(ric), "not requested: expected one of the instruments "
                                            "asked for"))
            continue
        try:
            fields = item.get("Fields")
            ts = _epoch_ms(_field(fields, "TIMESTAMP_MS"), "TIMESTAMP_MS")
            bid, ask, mid = _prices(fields, "MID_PRICE")
        except RecordError as exc:
            unreadable.append((pair, f"unreadable record: {exc}"))
            continue
        rates.append(FxRate(pair, bid, ask, mid, ts, source, ric))
    return rates, unreadable


def decode_answer(content: bytes) -> Any:
    """The JSON of an answer, numbers as Decimal; raises :class:`AnswerLayoutError`."""
    try:
        return json.loads(content, parse_float=Decimal, parse_int=Decimal)
    except RecursionError:
        raise AnswerLayoutError("malformed JSON in the answer: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, bad UTF-8
        raise AnswerLayoutError(f"malformed JSON in the answer: {exc}") from None


class _DeadlineAdapter(HTTPAdapter):
    """An adapter that knows its sockets, so a watchdog can shut them at a deadline."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        from urllib3.connection import HTTPConnection, HTTPSConnection
        from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

        super().init_poolmanager(*args, **kwargs)
        sockets = self.sockets

        class Tracked(HTTPConnection):
            def connect(self) -> None:
                super().connect()
                sockets.add(self.sock)

        class TrackedTLS(HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                sockets.add(self.sock)

        class Pool(HTTPConnectionPool):
            ConnectionCls = Tracked

        class TLSPool(HTTPSConnectionPool):
            ConnectionCls = TrackedTLS

        self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": TLSPool}

    def shut_all(self) -> None:
        for sock in list(self.sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


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
        adapter = _DeadlineAdapter(pool_connections=2, pool_maxsize=4, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        session.trust_env = False  # no proxies or .netrc credentials from the environment
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

        def attempt() -> bytes:
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
            content = retrying(attempt)
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
            rates, unreadable = self._parse(decode_answer(content), requested)
        except AnswerLayoutError as exc:
            raise ProviderResponseError(self.name, self._scrub(str(exc))[:300],
                                        attempts=attempts) from None
        except Exception as exc:  # noqa: BLE001 - never a crash on what a provider sent
            raise ProviderResponseError(
                self.name, self._scrub(f"unexpected answer layout: {type(exc).__name__}")[:300],
                attempts=attempts,
            ) from None
        elapsed = time.monotonic() - started
        result = FetchResult(self.name, requested, rates, attempts, elapsed, unreadable, waited)
        log.info("%s: %d of %d pairs received in %.2fs (%d retries)", self.name, len(rates),
                 len(requested), elapsed, result.retries)
        return result

    def _attempt(self, requested: tuple[str, ...]) -> bytes:
        """One request; the answer's body when it is a 200, within the deadline."""
        adapter = self.session.get_adapter(self.endpoint.base_url)
        expired = threading.Event()

        def watchdog() -> None:
            expired.set()
            if isinstance(adapter, _DeadlineAdapter):
                adapter.shut_all()

        timer = threading.Timer(self.policy.deadline, watchdog)
        timer.daemon = True
        timer.start()
        try:
            response = self._send(requested)
            try:
                content = self._checked(response)
            finally:
                response.close()
            if expired.is_set():  # shut by the watchdog: what came may be cut short
                raise _Transient(f"no complete answer within the {self.policy.deadline:g}s "
                                 "deadline")
            return content
        except requests.RequestException as exc:
            if expired.is_set():
                raise _Transient(f"no complete answer within the {self.policy.deadline:g}s "
                                 "deadline") from None
            if isinstance(exc, requests.Timeout):
                raise _Transient(self._scrub(f"timed out: {type(exc).__name__}")) from None
            if isinstance(exc, requests.ConnectionError):
                raise _Transient(self._scrub(f"connection failed: {_reason(exc)}")) from None
            raise _Transient(self._scrub(f"request failed: {type(exc).__name__}")) from None
        finally:
            timer.cancel()

    def _read_body(self, response: requests.Response) -> bytes:
        """The body, refused beyond ``max_answer_bytes`` (raises requests errors on a cut)."""
        limit = self.policy.max_answer_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ProviderResponseError(self.name, f"answer of {int(declared):,} bytes, more "
                                        f"than the {limit:,} accepted")
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise ProviderResponseError(self.name, f"answer larger than the {limit:,} "
                                            "bytes accepted")
            chunks.append(chunk)
        return b"".join(chunks)

    def _checked(self, response: requests.Response) -> bytes:
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
            raise _Transient(f"HTTP {status} {self._scrub(response.reason or '')[:80]}".strip())
        if 300 <= status < 400:
            raise ProviderResponseError(
                self.name, f"HTTP {status} redirect not followed: the API key is only sent to "
                "the configured host (check the connection's URL)",
            )
        if status != 200:
            body = response.raw.read(200, decode_content=True) or b""
            text = body.decode("utf-8", errors="replace")
            raise ProviderResponseError(self.name, f"HTTP {status}: {self._scrub(text)}")
        return self._read_body(response)

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
        """One HTTP request for ``pairs`` (streamed, redirects not followed)."""

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
            self._url("/v1/fx/snapshot"), json=body, timeout=self.timeout, stream=True,
            allow_redirects=False, headers={"Authorization": f"Bearer {self.endpoint.api_key}"},
        )

    def _parse(self, payload: Any, pairs: Sequence[str]
               ) -> tuple[list[FxRate], list[tuple[str, str]]]:
        return parse_bloomberg(payload, pairs, self.name)


class ReutersClient(ProviderClient):
    """Reuters, the backup source (``reuters_default``)."""

    name = "reuters"
    FIELDS = ("BID", "ASK", "MID_PRICE", "TIMESTAMP_MS")

    def _send(self, pairs: Sequence[str]) -> requests.Response:
        params = {"universe": ",".join(reuters_ric(p) for p in pairs),
                  "fields": ",".join(self.FIELDS)}
        return self.session.get(
            self._url("/data/pricing/snapshots/v1/"), params=params, timeout=self.timeout,
            stream=True, allow_redirects=False, headers={"X-Api-Key": self.endpoint.api_key},
        )

    def _parse(self, payload: Any, pairs: Sequence[str]
               ) -> tuple[list[FxRate], list[tuple[str, str]]]:
        return parse_reuters(payload, pairs, self.name)


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
