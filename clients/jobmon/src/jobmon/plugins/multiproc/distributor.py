"""Jobmon's ClusterDistributor for a multiproc service.

Jobmon builds it as ``MultiprocDistributor(cluster_name, **json.loads(connection_parameters))``.
Connection parameters:

- ``journal``: the service's journal directory (its service.json gives the URL and token), or
- ``url`` and ``token``: the service's address and token, given directly;
- ``retry_timeout`` (seconds, default 300): how long a call rides out an unreachable or restarting
  service before it raises;
- ``poll_timeout`` (seconds, default 20): how long one get_submitted_or_running waits for the service
  before it answers from the last poll instead (Jobmon's distributor dies on an exception there, and
  waits on its loop while the call blocks); it raises only once the service has been away for longer
  than ``retry_timeout``;
- ``request_timeout`` (seconds, default 120): how long one HTTP request may take;
- ``worker_node_entry_point``: the program a task runs to become a Jobmon worker node (default: the
  one beside this Python, else on PATH, else the service's setting).
"""

import logging
import os
import shutil
import socket
import sys
import urllib.parse
import uuid
from typing import Any, Dict, List, Optional, Set, Tuple

from jobmon.plugins.multiproc._compat import (
    ClusterDistributor,
    RemoteExitInfoNotAvailable,
    TaskInstanceStatus,
)
from jobmon.plugins.multiproc.service_client import (
    ServiceClient,
    ServiceError,
    ServiceLocation,
    ServiceUnavailable,
)

logger = logging.getLogger("jobmon.plugins.multiproc")

ENVIRONMENT_PREFIX = "JOBMON__"


class MultiprocDistributor(ClusterDistributor):
    """Submits, polls and ends Jobmon task instances through one multiproc service."""

    def __init__(self, cluster_name: str, journal: Optional[str] = None, url: Optional[str] = None,
                 token: Optional[str] = None, retry_timeout: float = 300.0, poll_timeout: float = 20.0,
                 request_timeout: float = 120.0, worker_node_entry_point: Optional[str] = None,
                 **unknown: Any) -> None:
        if unknown:
            raise ValueError(f"multiproc connection_parameters has unknown key(s) {sorted(unknown)}; known: "
                             "journal, url, token, retry_timeout, poll_timeout, request_timeout, "
                             "worker_node_entry_point")
        if not float(poll_timeout) > 0:
            raise ValueError(f"multiproc poll_timeout must be a positive number of seconds, got {poll_timeout!r}")
        self._cluster_name = cluster_name
        self._client = ServiceClient(ServiceLocation(journal, url, token), float(retry_timeout),
                                     float(request_timeout))
        self._poll_timeout = float(poll_timeout)
        self._given_entry_point = worker_node_entry_point
        self._entry_point: Optional[str] = None
        self._info: Optional[Dict[str, Any]] = None
        self._last_active: Set[str] = set()
        self.client_id = f"jobmon-{_safe(socket.gethostname())}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.started = False

    # --- what Jobmon reads -------------------------------------------------------------------------

    @property
    def cluster_name(self) -> str:
        return self._cluster_name

    @property
    def worker_node_entry_point(self) -> str:
        if self._entry_point is None:
            self._entry_point = self._find_entry_point()
        return self._entry_point

    @property
    def expected_jobmon_version(self) -> str:
        """Used by the stand-in command builder when jobmon.core is absent."""
        return str(self.info().get("expected_jobmon_version") or "unknown")

    def info(self) -> Dict[str, Any]:
        """The service's /info (cached after the first answer)."""
        if self._info is None:
            _, data = self._client.call("GET", "/info")
            if not isinstance(data, dict):
                raise ServiceError(f"{self._client.location.describe()} answered /info without a JSON object")
            self._info = data
        return self._info

    # --- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Waits until the service answers /info (it answers 503 while it recovers its journal)."""
        if self.started:
            return
        info = self.info()
        version = info.get("api_version", 1)
        if version != 1:
            raise ServiceError(f"{self._client.location.describe()} speaks api_version {version}; "
                               "this plugin speaks 1")
        logger.info("multiproc distributor %s uses %s (client %s)", self._cluster_name,
                    self._client.location.describe(), self.client_id)
        self.started = True

    def stop(self) -> None:
        """Ends every queued or running task that this distributor submitted (and nothing else)."""
        _, data = self._client.call("POST", f"/clients/{urllib.parse.quote(self.client_id, safe='')}/stop", {})
        ended = _ids(data)
        logger.info("multiproc distributor %s stopped: ended %d task(s) of client %s",
                    self._cluster_name, len(ended), self.client_id)
        self._client.close()
        self.started = False

    # --- submitting ---------------------------------------------------------------------------------

    def submit_to_batch_distributor(self, command: str, name: str,
                                    requested_resources: Dict[str, Any]) -> str:
        _, data = self._client.call("POST", "/tasks", self._submission(command, name, requested_resources))
        if not isinstance(data, dict) or not isinstance(data.get("distributor_id"), str):
            raise ServiceError(f"{self._client.location.describe()} answered a submit without a distributor_id")
        return data["distributor_id"]

    def submit_array_to_batch_distributor(self, command: str, name: str,
                                          requested_resources: Dict[str, Any],
                                          array_length: int) -> Dict[int, str]:
        body = self._submission(command, name, requested_resources)
        body["array_length"] = int(array_length)
        _, data = self._client.call("POST", "/arrays", body)
        ids = data.get("distributor_ids") if isinstance(data, dict) else None
        if not isinstance(ids, dict) or len(ids) != int(array_length):
            raise ServiceError(f"{self._client.location.describe()} answered an array submit of "
                               f"{array_length} step(s) without as many distributor_ids")
        return {int(step): str(did) for step, did in ids.items()}

    def _submission(self, command: str, name: str, requested_resources: Dict[str, Any]) -> Dict[str, Any]:
        # One key per logical submit: the client's retries resend it, so a lost answer never submits twice.
        return {
            "command": f"{self.worker_node_entry_point} {command}",
            "name": name,
            "requested_resources": dict(requested_resources or {}),
            "environment": {k: v for k, v in os.environ.items() if k.startswith(ENVIRONMENT_PREFIX)},
            "client_id": self.client_id,
            "request_key": uuid.uuid4().hex,
        }

    # --- polling and ending -------------------------------------------------------------------------

    def get_submitted_or_running(self, distributor_ids: Optional[List[str]] = None) -> Set[str]:
        """The queued or running ones among the ids (all of them when None).

        While the service is away (restarting), waits up to poll_timeout, then answers what the last poll
        answered, so that Jobmon's loop goes on; raises only once the outage outlasts retry_timeout.
        """
        asked = None if distributor_ids is None else [str(d) for d in distributor_ids]
        try:
            _, data = self._client.call("POST", "/active", {"distributor_ids": asked},
                                        retry_for=self._poll_timeout)
        except ServiceUnavailable as e:
            if self._client.outage_seconds() >= self._client.retry_timeout:
                raise
            logger.warning("get_submitted_or_running answers from the last poll: %s", e)
            return set(self._last_active) if asked is None else self._last_active.intersection(asked)
        active = set(_ids(data))
        if asked is None:
            self._last_active = active
        else:
            self._last_active = (self._last_active - set(asked)) | active
        return active

    def terminate_task_instances(self, distributor_ids: List[str]) -> None:
        """Kills the running ones with their process trees and drops the queued ones."""
        ids = [str(d) for d in distributor_ids]
        if not ids:
            return
        status, data = self._client.call("POST", "/terminate", {"distributor_ids": ids}, allow=(404,))
        if status == 404:
            logger.error("terminate: %s", data.get("error") if isinstance(data, dict) else "unknown id")

    def get_queueing_errors(self, distributor_ids: List[str]) -> Dict[str, str]:
        """Errors that kept a task from starting; each is answered once."""
        _, data = self._client.call("POST", "/queueing-errors",
                                    {"distributor_ids": [str(d) for d in distributor_ids]})
        errors = data.get("errors") if isinstance(data, dict) else None
        return {str(k): str(v) for k, v in (errors or {}).items()}

    def get_remote_exit_info(self, distributor_id: str) -> Tuple[str, str]:
        """(status, message) of a finished task; RemoteExitInfoNotAvailable while there is none yet."""
        path = "/exit-info/" + urllib.parse.quote(str(distributor_id), safe="")
        status, data = self._client.call("GET", path, allow=(404,))
        if status == 404:
            # an id this journal never issued: no verdict will ever come, so give Jobmon one now
            return (TaskInstanceStatus.UNKNOWN_ERROR,
                    f"distributor id {distributor_id} is unknown to {self._client.location.describe()}")
        if not isinstance(data, dict) or not data.get("available"):
            raise RemoteExitInfoNotAvailable(f"no exit information for distributor id {distributor_id} yet")
        return str(data.get("status") or TaskInstanceStatus.UNKNOWN_ERROR), str(data.get("message") or "")

    # --- helpers ------------------------------------------------------------------------------------

    def _find_entry_point(self) -> str:
        if self._given_entry_point:
            return str(self._given_entry_point)
        beside = os.path.join(os.path.dirname(sys.executable), "worker_node_entry_point")
        if os.access(beside, os.X_OK):
            return beside
        found = shutil.which("worker_node_entry_point")
        if found:
            return os.path.abspath(found)
        return str(self.info().get("worker_node_entry_point") or "worker_node_entry_point")


def _ids(data: Any) -> List[str]:
    ids = data.get("distributor_ids") if isinstance(data, dict) else None
    return [str(i) for i in (ids or [])]


def _safe(text: str) -> str:
    # the service takes client ids of at most 64 characters of A-Z a-z 0-9 . _ : -
    return "".join(c if (c.isascii() and c.isalnum()) or c in "._-" else "_" for c in text)[:24] or "host"
