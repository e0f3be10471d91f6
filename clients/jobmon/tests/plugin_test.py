"""A base for tests that drive the plugin's distributor against a live service."""

import json
import os
import tempfile
import unittest
from typing import Any, Dict, List

import live_service
from live_service import RUN_SHELL, wait_until

import jobmon.plugins.multiproc as plugin
from jobmon.plugins.multiproc._compat import RemoteExitInfoNotAvailable

MARKER = "JOBMON__MULTIPROC_TEST_DIR"


class PluginTest(unittest.TestCase):
    """Each test gets a directory for its files and distributors that are stopped at its end; every task
    carries the directory in its environment (JOBMON__MULTIPROC_TEST_DIR), so a test can prove that none
    of its processes is left."""

    service: live_service.LiveService

    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix=self._testMethodName + "-", dir=self.service.workdir)
        self._saved_env = os.environ.get(MARKER)
        os.environ[MARKER] = self.dir
        self._distributors: List[Any] = []

    def tearDown(self) -> None:
        for d in self._distributors:
            if d.started:
                d.stop()
        if self._saved_env is None:
            os.environ.pop(MARKER, None)
        else:
            os.environ[MARKER] = self._saved_env
        wait_until(lambda: not live_service.processes_mentioning(self.dir), 30,
                   f"the tasks of {self._testMethodName} to end")

    def distributor(self, **params: Any):
        """A started distributor built the way Jobmon builds it: cls(cluster_name, **json.loads(text))."""
        given: Dict[str, Any] = {"journal": self.service.journal, "worker_node_entry_point": RUN_SHELL,
                                 "retry_timeout": 120}
        given.update(params)
        cls = plugin.get_cluster_distributor_class()
        d = cls("multiproc-test", **json.loads(json.dumps(given)))
        self._distributors.append(d)
        d.start()
        return d

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def read(self, name: str) -> str:
        with open(self.path(name), encoding="utf-8") as f:
            return f.read()

    def wait_for_file(self, name: str, timeout: float = 60) -> str:
        wait_until(lambda: os.path.exists(self.path(name + ".done")), timeout, f"the task to write {name}")
        return self.read(name)

    def wait_finished(self, d, distributor_id: str, timeout: float = 60) -> None:
        wait_until(lambda: distributor_id not in d.get_submitted_or_running([distributor_id]), timeout,
                   f"task {distributor_id} to leave get_submitted_or_running")

    def exit_info(self, d, distributor_id: str, timeout: float = 60):
        """get_remote_exit_info once it is available."""
        answer: List[Any] = []

        def available() -> bool:
            try:
                answer.append(d.get_remote_exit_info(distributor_id))
                return True
            except RemoteExitInfoNotAvailable:
                return False

        wait_until(available, timeout, f"exit info of {distributor_id}")
        return answer[-1]


def writes(path: str, shell: str) -> str:
    """A task command that runs shell with its output into path, then marks path as complete (path.done)."""
    return f"{{ {shell} ; }} > {path}.tmp 2>&1; mv {path}.tmp {path}; touch {path}.done"
