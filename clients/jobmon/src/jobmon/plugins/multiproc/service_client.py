"""An HTTP/JSON client of one `multiproc serve`, that rides out the service's restarts.

Where the service listens and its token come from the journal's service.json (read again after every
failed connection: a restarted service may listen on another port), or are given as url + token.
Connection failures and 503 (the service is starting or stopping) are retried until a deadline; any
other error status is raised at once as a ServiceError. The token and request bodies are never logged.
"""

import http.client
import json
import logging
import os
import socket
import threading
import time
import urllib.parse
from typing import Any, Optional, Tuple

logger = logging.getLogger("jobmon.plugins.multiproc")

API_VERSION = 1
SERVICE_FILE = "service.json"


class ServiceError(RuntimeError):
    """The service answered with an error status (or a body that is not what the API promises)."""

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.status = status


class ServiceUnavailable(ServiceError):
    """The service could not be reached (or kept answering 503) until the retry deadline."""


class _Retry(Exception):
    """A failure worth another attempt; its text says what happened (never the token)."""


class ServiceLocation:
    """Where the service listens: a base URL and the token, from service.json or as given."""

    def __init__(self, journal: Optional[str] = None, url: Optional[str] = None,
                 token: Optional[str] = None) -> None:
        if journal is None and (url is None or token is None):
            raise ValueError("multiproc connection_parameters need 'journal' (the service's journal "
                             "directory) or both 'url' and 'token'")
        self.journal = None if journal is None else os.path.abspath(os.path.expanduser(str(journal)))
        self._given_url = url
        self._given_token = token
        self.url: Optional[str] = None
        self.token: Optional[str] = None
        if journal is None:
            self._set(str(url), str(token), "connection_parameters")

    @property
    def service_file(self) -> Optional[str]:
        return None if self.journal is None else os.path.join(self.journal, SERVICE_FILE)

    def describe(self) -> str:
        if self.journal is not None:
            return f"the multiproc service of journal {self.journal}"
        return f"the multiproc service at {self.url}"

    def refresh(self) -> None:
        """Reads service.json again (a no-op for a given url + token); raises _Retry while it is not there."""
        path = self.service_file
        if path is None:
            return
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            raise _Retry(f"{path} does not exist (is `multiproc serve --journal {self.journal}` running?)")
        except PermissionError:
            raise ServiceError(f"cannot read {path}: permission denied (it is mode 0600: run Jobmon's "
                               "distributor as the user who runs the service)")
        except (OSError, ValueError) as e:
            raise _Retry(f"{path} is not readable JSON yet: {type(e).__name__}")
        if not isinstance(data, dict) or not isinstance(data.get("url"), str) \
                or not isinstance(data.get("token"), str):
            raise _Retry(f"{path} lacks 'url' or 'token'")
        version = data.get("api_version", API_VERSION)
        if version != API_VERSION:
            raise ServiceError(f"{path} announces api_version {version}; this plugin speaks {API_VERSION}")
        self._set(data["url"], data["token"], path)

    def _set(self, url: str, token: str, source: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"multiproc service url {url!r} from {source} is not an http://host:port URL")
        if not token:
            raise ValueError(f"multiproc service token from {source} is empty")
        self.url = f"http://{parts.netloc}"
        self.token = token

    def address(self) -> Tuple[str, int]:
        parts = urllib.parse.urlsplit(self.url or "")
        return parts.hostname or "127.0.0.1", parts.port or 80


class ServiceClient:
    """Calls the service's API (paths under /v1), with bounded retries; safe to share between threads."""

    def __init__(self, location: ServiceLocation, retry_timeout: float = 300.0,
                 request_timeout: float = 120.0) -> None:
        if not retry_timeout > 0:
            raise ValueError(f"multiproc retry_timeout must be a positive number of seconds, got {retry_timeout!r}")
        if not request_timeout > 0:
            raise ValueError(f"multiproc request_timeout must be a positive number of seconds, got {request_timeout!r}")
        self.location = location
        self.retry_timeout = float(retry_timeout)
        self.request_timeout = float(request_timeout)
        self._lock = threading.Lock()
        self._conn: Optional[http.client.HTTPConnection] = None
        self._outage_since: Optional[float] = None

    def close(self) -> None:
        with self._lock:
            self._drop()

    def call(self, method: str, path: str, body: Any = None, retry_for: Optional[float] = None,
             allow: Tuple[int, ...] = ()) -> Tuple[int, Any]:
        """Sends one request until it gets a final answer; returns (status, parsed JSON or None).

        Statuses 2xx and those in `allow` are answers; 503 and connection failures are retried for
        `retry_for` seconds (the client's retry_timeout by default), then ServiceUnavailable is raised;
        any other status raises ServiceError with the service's message.
        """
        payload = None if body is None else json.dumps(body).encode("utf-8")
        deadline = time.monotonic() + (self.retry_timeout if retry_for is None else retry_for)
        pause = 0.05
        last = "no attempt made"
        with self._lock:
            while True:
                reused = self._conn is not None
                try:
                    status, data = self._attempt(method, path, payload)
                    if status == 503:
                        raise _Retry(f"503 {_message(data)}")
                    self._recovered()
                    if 200 <= status < 300 or status in allow:
                        return status, data
                    if status == 401 and self.location.journal is not None:
                        # the journal may have been made anew with another token: read it once more
                        self.location.refresh()
                        status, data = self._attempt(method, path, payload)
                        if 200 <= status < 300 or status in allow:
                            return status, data
                    raise ServiceError(f"{self.location.describe()} refused {method} {path}: "
                                       f"{status} {_message(data)}", status)
                except _Retry as e:
                    last = str(e)
                except (OSError, http.client.HTTPException) as e:
                    self._drop()
                    last = f"{type(e).__name__}: {e}"
                    if reused:
                        continue  # a kept-alive connection the service closed: one fresh try at once
                self._outage(last)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ServiceUnavailable(
                        f"{self.location.describe()} did not answer {method} {path} within "
                        f"{self.retry_timeout if retry_for is None else retry_for:g}s: {last}")
                time.sleep(min(pause, remaining))
                pause = min(pause * 2, 1.0)
                try:
                    self._drop()
                    self.location.refresh()
                except _Retry as e:
                    last = str(e)

    def outage_seconds(self) -> float:
        """How long the service has been unreachable (0 while it answers)."""
        since = self._outage_since
        return 0.0 if since is None else time.monotonic() - since

    def _attempt(self, method: str, path: str, payload: Optional[bytes]) -> Tuple[int, Any]:
        if self.location.url is None:
            self.location.refresh()
        conn = self._connection()
        headers = {"Authorization": f"Bearer {self.location.token}", "Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, "/v1" + path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        if response.will_close:
            self._drop()
        data = None
        if raw:
            try:
                data = json.loads(raw.decode("utf-8"))
            except ValueError:
                data = {"error": raw[:200].decode("utf-8", "replace")}
        return response.status, data

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            host, port = self.location.address()
            conn = http.client.HTTPConnection(host, port, timeout=self.request_timeout)
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._conn = conn
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def _outage(self, reason: str) -> None:
        if self._outage_since is None:
            self._outage_since = time.monotonic()
            logger.warning("%s is unreachable (%s); retrying for up to %gs",
                           self.location.describe(), reason, self.retry_timeout)

    def _recovered(self) -> None:
        if self._outage_since is not None:
            logger.info("%s answers again after %.1fs at %s", self.location.describe(),
                        time.monotonic() - self._outage_since, self.location.url)
            self._outage_since = None


def _message(data: Any) -> str:
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"]
    return "(no message)"
