"""The plugin's worker-node class as a task of the live service sees it."""

import json
import os
import sys
import unittest

import live_service
from live_service import SRC, TESTS, sh
from plugin_test import PluginTest, writes

import jobmon.plugins.multiproc as plugin


def setUpModule() -> None:
    PluginTest.service = live_service.shared()


def tearDownModule() -> None:
    live_service.release()


class WorkerNodeInATaskTest(PluginTest):

    def report(self, name: str) -> str:
        script = os.path.join(TESTS, "print_worker_node.py")
        return sh(writes(self.path(name), f"PYTHONPATH={SRC} {sys.executable} {script} /logs"))

    def test_a_single_task_is_its_job_id_never_with_a_none_step(self) -> None:
        d = self.distributor()
        distributor_id = d.submit_to_batch_distributor(self.report("single"), "single", {})
        seen = json.loads(self.wait_for_file("single"))

        self.assertEqual(distributor_id, seen["distributor_id"])
        self.assertNotIn("None", seen["distributor_id"])
        self.assertIsNone(seen["array_step_id"])
        self.assertEqual(f"/logs/my_task.o{distributor_id}", seen["stdout"])
        self.assertEqual(f"/logs/my_task.e{distributor_id}", seen["stderr"])
        self.assertEqual(["E", "Got exit_code: 3. Error message was: boom"], seen["exit_info"])
        self.assertEqual(["cpu", "maxrss", "usage_str"], seen["usage_keys"])
        self.wait_finished(d, distributor_id)

    def test_an_array_step_is_job_underscore_step(self) -> None:
        d = self.distributor()
        ids = d.submit_array_to_batch_distributor(self.report("step$ARRAY_STEP_ID"), "array", {}, 4)

        for step, distributor_id in ids.items():
            seen = json.loads(self.wait_for_file(f"step{step}"))
            self.assertEqual(distributor_id, seen["distributor_id"])
            self.assertEqual(step, seen["array_step_id"])
        for distributor_id in ids.values():
            self.wait_finished(d, distributor_id)
