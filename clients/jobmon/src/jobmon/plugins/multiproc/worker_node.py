"""Jobmon's ClusterWorkerNode for a multiproc cluster: the task's side.

The service starts every task with JOB_ID, and ARRAY_STEP_ID for an array step, in its environment.
"""

import json
import os
import re
import resource
from typing import Dict, Mapping, Optional, Tuple

from jobmon.plugins.multiproc._compat import ClusterWorkerNode, TaskInstanceStatus

_MAX_NAME = 120


class MultiprocWorkerNode(ClusterWorkerNode):
    """Reads the task's distributor id from its environment."""

    def __init__(self, environ: Optional[Mapping[str, str]] = None) -> None:
        self._env = os.environ if environ is None else environ

    @property
    def distributor_id(self) -> Optional[str]:
        """"17" for a single task, "18_3" for step 3 of array 18; None outside a task."""
        job_id = (self._env.get("JOB_ID") or "").strip()
        if not job_id:
            return None
        step = self.array_step_id
        return job_id if step is None else f"{job_id}_{step}"

    @property
    def array_step_id(self) -> Optional[int]:
        step = (self._env.get("ARRAY_STEP_ID") or "").strip()
        if not step:
            return None
        try:
            return int(step)
        except ValueError:
            raise ValueError(f"ARRAY_STEP_ID is not a whole number: {step!r}") from None

    def get_exit_info(self, exit_code: int, error_msg: str) -> Tuple[str, str]:
        return TaskInstanceStatus.ERROR, f"Got exit_code: {exit_code}. Error message was: {error_msg}"

    def get_usage_stats(self) -> Dict:
        """Peak resident memory (bytes) and cpu seconds of this process and its finished children."""
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        maxrss = max(own.ru_maxrss, children.ru_maxrss) * 1024  # Linux reports KiB
        cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
        return {
            "maxrss": str(maxrss),
            "cpu": f"{cpu:.2f}",
            "usage_str": json.dumps({"maxrss_bytes": maxrss, "cpu_seconds": round(cpu, 3), "pid": os.getpid()}),
        }

    def initialize_logfile(self, log_type: str, log_dir: str, name: str) -> str:
        """{log_dir}/{name}.o{distributor_id} for stdout, .e for stderr; /dev/null without a directory.
        The name is reduced to a safe file name, so the path stays inside log_dir."""
        if not log_dir:
            return "/dev/null"
        suffixes = {"stdout": ".o", "stderr": ".e"}
        if log_type not in suffixes:
            raise ValueError(f"log type must be 'stdout' or 'stderr', got {log_type!r}")
        return os.path.join(log_dir, _safe_name(name) + suffixes[log_type] + _safe_name(self.distributor_id or "unknown"))


def _safe_name(name: Optional[str]) -> str:
    if name is None:
        return "task"
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:_MAX_NAME]
    if safe.startswith("."):
        safe = "_" + safe[1:]
    return safe or "task"
