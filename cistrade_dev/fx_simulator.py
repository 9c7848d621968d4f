"""A market-data simulator serving the Bloomberg and Reuters FX APIs on 127.0.0.1.

One HTTP server, both vendors under their own path: ``/bloomberg`` and
``/reuters`` (see :mod:`cistrade_core.fx.providers` for the two APIs). Prices
follow a random walk of every currency's dollar value, so crosses stay
consistent with the dollar pairs; each request moves the market one step.
Reuters quotes carry a little noise of their own.

Faults are set per provider, from Python (:meth:`MarketDataSimulator.set_fault`),
over HTTP (``POST /_sim/faults``) or on the command line
(``cistrade fx simulate --fault bloomberg=down``):

=============  ===========================================================
``down``       the connection is reset before any answer
``slow``       the answer comes after ``delay`` seconds (past the client timeout)
``500``        HTTP 500
``429``        HTTP 429 with ``Retry-After: retry_after``
``401``        HTTP 401 (as for a wrong API key)
``malformed``  HTTP 200 with a truncated JSON body
``partial``    some pairs left out (``pairs``, else every third one)
``stale``      provider timestamps ``age`` seconds old
``crossed``    bid above ask
``jump``       mid, bid and ask moved by ``size`` (default 20 %)
``redirect``   HTTP 302 to ``location`` (another server, say)
``trickle``    HTTP 200 whose body comes one byte every ``delay`` seconds
``body``       HTTP 200 with ``body`` as the answer, as given (hostile JSON)
=============  ===========================================================

A fault lasts for ``count`` price requests, or until cleared. Every request is
kept in a log (``GET /_sim/requests``) so tests can count retries.
"""

from __future__ import annotations

import json
import logging
import math
import random
import socket
import struct
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cistrade_core.clock import utcnow
from cistrade_core.fx.pairs import (
    COVERAGE,
    PROVIDERS,
    UNITS_PER_USD,
    bloomberg_ticker,
    decimals,
    normalise_pair,
    pair_tier,
    reference_mid,
    reuters_ric,
    split_pair,
    tier,
)

log = logging.getLogger(__name__)

FAULT_KINDS = ("down", "slow", "500", "429", "401", "malformed", "partial", "stale", "crossed",
               "jump", "redirect", "trickle", "body")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_KEYS = {"bloomberg": "sim-bloomberg-key", "reuters": "sim-reuters-key"}

#: Spread (basis points) and one random-walk step (basis points) per liquidity tier.
_SPREAD_BP = {1: 1.0, 2: 4.0, 3: 15.0}
_STEP_BP = {1: 0.5, 2: 1.0, 3: 2.0}
_REUTERS_NOISE_BP = 0.3


@dataclass
class Fault:
    """A fault of one provider. See the module doc for the kinds and their options."""

    kind: str
    count: int | None = None
    pairs: tuple[str, ...] = ()
    retry_after: float = 1.0
    delay: float = 5.0
    size: float = 0.20
    age: float = 7200.0
    location: str = ""
    body: str = ""

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; known: {', '.join(FAULT_KINDS)}")
        self.pairs = tuple(normalise_pair(p) for p in self.pairs)

    def applies_to(self, pair: str, index: int) -> bool:
        if self.pairs:
            return pair in self.pairs
        return index % 3 == 2 if self.kind == "partial" else True


def parse_fault(spec: str) -> tuple[str, Fault]:
    """``PROVIDER=KIND[:COUNT][@PAIR,PAIR...]``, e.g. ``bloomberg=429:2`` or
    ``reuters=jump@EURUSD,USDJPY``."""
    provider, sep, rest = spec.partition("=")
    provider = provider.strip().lower()
    if not sep or provider not in PROVIDERS:
        raise ValueError(f"bad fault {spec!r}: expected PROVIDER=KIND with PROVIDER one of "
                         f"{', '.join(PROVIDERS)}")
    rest, _, pairs = rest.partition("@")
    kind, _, count = rest.partition(":")
    return provider, Fault(
        kind=kind.strip().lower(),
        count=int(count) if count else None,
        pairs=tuple(p for p in pairs.split(",") if p.strip()),
    )


@dataclass
class RequestRecord:
    """One request the simulator received (the API key is never kept)."""

    provider: str
    method: str
    path: str
    at: float
    fault: str | None = None
    status: int | None = None
    pairs: int = 0
    authorised: bool | None = None
    #: The client's port: requests over one kept-alive connection share it.
    client_port: int = 0


class Market:
    """The dollar value of every currency, moving as a seeded random walk."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)
        self._lock = threading.Lock()
        self.usd_value = {c: 1.0 / units for c, units in UNITS_PER_USD.items()}

    def step(self) -> None:
        with self._lock:
            for ccy in self.usd_value:
                if ccy != "USD":
                    bp = _STEP_BP[tier(ccy)]
                    self.usd_value[ccy] *= math.exp(self.rng.gauss(0.0, bp / 10_000))

    def mid(self, pair: str) -> float:
        base, quote = split_pair(pair)
        return self.usd_value[base] / self.usd_value[quote]

    def noise(self, bp: float) -> float:
        with self._lock:
            return self.rng.gauss(0.0, bp / 10_000)


@dataclass
class Quote:
    pair: str
    bid: Decimal
    ask: Decimal
    mid: Decimal
    ts: datetime


class MarketDataSimulator:
    """Both providers' APIs on one loopback port; start with :meth:`start` or ``with``."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", *,
                 keys: dict[str, str] | None = None, seed: int | None = None) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"the simulator binds to loopback only, not {host!r}")
        self.host = host
        self.requested_port = port
        self.keys = {**DEFAULT_KEYS, **(keys or {})}
        self.market = Market(seed)
        self._faults: dict[str, Fault] = {}
        self._log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------------
    def start(self) -> MarketDataSimulator:
        self._server = _Server((self.host, self.requested_port), _Handler, self)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="fx-simulator", daemon=True)
        self._thread.start()
        log.info("market-data simulator on %s", self.url)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> MarketDataSimulator:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Run in the foreground until interrupted (``cistrade fx simulate``)."""
        if self._server is None:
            self.start()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def base_url(self, provider: str) -> str:
        """The base URL a client of ``provider`` is configured with."""
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}")
        return f"{self.url}/{provider}"

    # -- faults and the request log --------------------------------------------------------------
    def set_fault(self, provider: str, kind: str, **options: Any) -> Fault:
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}; known: {', '.join(PROVIDERS)}")
        fault = Fault(kind, **options)
        with self._lock:
            self._faults[provider] = fault
        log.info("simulator: %s fault %s", provider, fault)
        return fault

    def clear_faults(self, provider: str | None = None) -> None:
        with self._lock:
            if provider is None:
                self._faults.clear()
            else:
                self._faults.pop(provider, None)

    def faults(self) -> dict[str, Fault]:
        with self._lock:
            return dict(self._faults)

    def requests(self, provider: str | None = None) -> list[RequestRecord]:
        """Price requests received, oldest first (admin calls are not listed)."""
        with self._lock:
            return [r for r in self._log if provider is None or r.provider == provider]

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    def _take_fault(self, provider: str) -> Fault | None:
        with self._lock:
            fault = self._faults.get(provider)
            if fault is None:
                return None
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    del self._faults[provider]
            return fault

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    # -- prices --------------------------------------------------------------------------------
    def quotes(self, provider: str, pairs: list[str], fault: Fault | None) -> list[Quote]:
        """Quotes of the covered ``pairs`` after one market step, with data faults applied."""
        self.market.step()
        covered = set(COVERAGE[provider])
        now = utcnow()
        out = []
        for index, pair in enumerate(pairs):
            if pair not in covered:
                continue
            hit = fault is not None and fault.applies_to(pair, index)
            if hit and fault.kind == "partial":
                continue
            mid = self.market.mid(pair)
            if provider == "reuters":
                mid *= 1 + self.market.noise(_REUTERS_NOISE_BP)
            if hit and fault.kind == "jump":
                mid *= 1 + fault.size
            places = decimals(reference_mid(pair))
            tick = Decimal(1).scaleb(-places)
            half = mid * _SPREAD_BP[pair_tier(pair)] / 20_000
            bid = Decimal(repr(mid - half)).quantize(tick)
            ask = Decimal(repr(mid + half)).quantize(tick)
            if ask <= bid:
                ask = bid + tick
            if hit and fault.kind == "crossed":
                bid, ask = ask + tick, bid
            ts = now - timedelta(seconds=fault.age) if hit and fault.kind == "stale" else now
            out.append(Quote(pair, bid, ask, (bid + ask) / 2, ts))
        return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive client connections must not hold up a stop

    def __init__(self, address: tuple[str, int], handler: type, sim: MarketDataSimulator):
        self.sim = sim
        self.stopping = threading.Event()
        super().__init__(address, handler)


def _num(value: Decimal) -> float:
    return float(value)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CisTradeMarketDataSimulator/1.0"
    timeout = 30  # idle keep-alive connections are closed after this
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        log.debug("simulator: " + format, *args)

    # -- routing -------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 (stdlib API)
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._route("DELETE")

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/")
        query = parse_qs(url.query)
        body = self._read_body()
        if path.startswith("/_sim"):
            self._admin(method, path, query, body)
        elif path == "/bloomberg/v1/fx/snapshot" and method == "POST":
            self._price("bloomberg", method, url.path, body, query)
        elif path == "/reuters/data/pricing/snapshots/v1" and method == "GET":
            self._price("reuters", method, url.path, body, query)
        else:
            self._json(404, {"error": f"no such endpoint: {method} {url.path}"})

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # -- the vendor APIs -----------------------------------------------------------------------
    def _price(self, provider: str, method: str, path: str, body: bytes,
               query: dict[str, list[str]]) -> None:
        sim = self.server.sim
        fault = sim._take_fault(provider)
        record = RequestRecord(provider, method, path, time.time(),
                               fault.kind if fault else None,
                               client_port=self.client_address[1])
        sim._record(record)
        if fault and fault.kind == "down":
            record.status = 0
            self._reset()
            return
        if fault and fault.kind == "slow":
            self.server.stopping.wait(fault.delay)
        if fault and fault.kind == "redirect":
            record.status = 302
            self._send(302, b"", {"Location": fault.location})
            return
        if fault and fault.kind == "500":
            record.status = 500
            self._json(500, {"error": "internal server error"})
            return
        if fault and fault.kind == "429":
            record.status = 429
            self._json(429, {"error": "rate limit exceeded"},
                       {"Retry-After": f"{fault.retry_after:g}"})
            return
        record.authorised = self._authorised(provider)
        if (fault and fault.kind == "401") or not record.authorised:
            record.status = 401
            self._json(401, {"error": "invalid or missing API key"})
            return
        try:
            if provider == "bloomberg":
                securities = json.loads(body or b"{}").get("securities") or []
                pairs = [s.split()[0] for s in securities if isinstance(s, str) and s.split()]
            else:
                universe = ",".join(query.get("universe", []))
                pairs = [_pair_of_ric(r) for r in universe.split(",") if r.strip()]
            pairs = [normalise_pair(p) for p in pairs]
        except ValueError as exc:
            record.status = 400
            self._json(400, {"error": f"bad request: {exc}"})
            return
        record.pairs = len(pairs)
        quotes = sim.quotes(provider, pairs, fault)
        payload = (_bloomberg_payload(pairs, quotes) if provider == "bloomberg"
                   else _reuters_payload(pairs, quotes))
        raw = json.dumps(payload).encode()
        if fault and fault.kind == "malformed":
            raw = raw[: len(raw) // 2]
        if fault and fault.kind == "body":
            raw = fault.body.encode()
        record.status = 200
        if fault and fault.kind == "trickle":
            self._trickle(raw, fault.delay)
            return
        self._send(200, raw)

    def _authorised(self, provider: str) -> bool:
        key = self.server.sim.keys[provider]
        if provider == "bloomberg":
            return self.headers.get("Authorization", "") == f"Bearer {key}"
        return self.headers.get("X-Api-Key", "") == key

    # -- the simulator's own admin API ------------------------------------------------------------
    def _admin(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> None:
        sim = self.server.sim
        provider = (query.get("provider") or [None])[0]
        if path == "/_sim/health":
            self._json(200, {"status": "ok", "providers": list(PROVIDERS)})
        elif path == "/_sim/requests" and method == "GET":
            self._json(200, [asdict(r) for r in sim.requests(provider)])
        elif path == "/_sim/requests" and method == "DELETE":
            sim.clear_requests()
            self._json(200, {"cleared": True})
        elif path == "/_sim/faults" and method == "GET":
            self._json(200, {p: asdict(f) for p, f in sim.faults().items()})
        elif path == "/_sim/faults" and method == "POST":
            try:
                spec = json.loads(body or b"{}")
                name = spec.pop("provider")
                fault = sim.set_fault(name, **spec)
            except (ValueError, KeyError, TypeError) as exc:
                self._json(400, {"error": f"bad fault: {exc}"})
                return
            self._json(200, {name: asdict(fault)})
        elif path == "/_sim/faults" and method == "DELETE":
            sim.clear_faults(provider)
            self._json(200, {"cleared": provider or "all"})
        else:
            self._json(404, {"error": f"no such endpoint: {method} {path}"})

    # -- responses -----------------------------------------------------------------------------
    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), headers)

    def _send(self, status: int, raw: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)
        except OSError:  # the client gave up (timeout) before the answer
            self.close_connection = True

    def _trickle(self, raw: bytes, interval: float) -> None:
        """The answer one byte at a time, ``interval`` seconds apart, until the client goes."""
        self.close_connection = True
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.flush()
            for i in range(len(raw)):
                if self.server.stopping.wait(interval):
                    return
                self.wfile.write(raw[i:i + 1])
                self.wfile.flush()
        except OSError:
            pass

    def _reset(self) -> None:
        """Drop the connection with a TCP reset, as a host that went away."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


def _pair_of_ric(ric: str) -> str:
    code = ric.strip().removesuffix("=")
    if len(code) == 6:
        return code
    if len(code) == 3:
        return f"{code}USD" if f"{code}USD" in COVERAGE["reuters"] else f"USD{code}"
    raise ValueError(f"unknown instrument {ric!r}")


def _bloomberg_payload(pairs: list[str], quotes: list[Quote]) -> dict[str, Any]:
    got = {q.pair for q in quotes}
    return {
        "responseId": f"{time.time_ns():x}",
        "data": [
            {"security": bloomberg_ticker(q.pair),
             "fields": {"BID": _num(q.bid), "ASK": _num(q.ask), "MID": _num(q.mid),
                        "LAST_UPDATE_TS": q.ts.isoformat(timespec="milliseconds")
                        .replace("+00:00", "Z")}}
            for q in quotes
        ],
        "securityErrors": [
            {"security": bloomberg_ticker(p), "code": "NOT_AVAILABLE"}
            for p in pairs if p not in got
        ],
    }


def _reuters_payload(pairs: list[str], quotes: list[Quote]) -> list[dict[str, Any]]:
    got = {q.pair for q in quotes}
    out: list[dict[str, Any]] = [
        {"Type": "Refresh", "Key": {"Name": reuters_ric(q.pair)},
         "Fields": {"BID": _num(q.bid), "ASK": _num(q.ask), "MID_PRICE": _num(q.mid),
                    "TIMESTAMP_MS": int(q.ts.timestamp() * 1000)}}
        for q in quotes
    ]
    out.extend(
        {"Type": "Status", "Key": {"Name": reuters_ric(p)},
         "State": {"Code": "NotFound", "Text": "instrument not available"}}
        for p in pairs if p not in got
    )
    return out


def set_remote_fault(sim_url: str, provider: str, fault: Fault | None) -> None:
    """Set (or, with ``fault=None``, clear) a fault of a simulator running elsewhere."""
    import requests

    base = sim_url.rstrip("/")
    if fault is None:
        requests.delete(f"{base}/_sim/faults", params={"provider": provider}, timeout=5
                        ).raise_for_status()
        return
    spec = {k: v for k, v in asdict(fault).items() if v is not None}
    spec["pairs"] = list(fault.pairs)
    requests.post(f"{base}/_sim/faults", json={"provider": provider, **spec}, timeout=5
                  ).raise_for_status()


__all__ = ["FAULT_KINDS", "Fault", "MarketDataSimulator", "RequestRecord",
           "parse_fault", "set_remote_fault"]
