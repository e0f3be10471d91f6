"""The plugin rides out a SIGKILL and restart of the service, as Jobmon's distributor needs it to.

These tests start (and kill) a private service of their own, whatever MULTIPROC_SERVICE_JOURNAL says.
"""

import io
import logging
import os
import threading
import time

import live_service
from live_service import sh, wait_until
from plugin_test import PluginTest

from jobmon.plugins.multiproc.service_client import ServiceUnavailable


class ServiceRestartTest(PluginTest):

    @classmethod
    def setUpClass(cls) -> None:
        cls.service = live_service.LiveService().start()

    @classmethod
    def tearDownClass(cls) -> None:
        try:
            cls.service.stop()
        finally:
            cls.service.cleanup()

    def setUp(self) -> None:
        super().setUp()
        if self.service.proc is None or self.service.proc.poll() is not None:
            self.service.start()
        self.log = io.StringIO()
        self._handler = logging.StreamHandler(self.log)
        self._logger = logging.getLogger("jobmon.plugins.multiproc")
        self._logger.addHandler(self._handler)
        self._saved_level = self._logger.level
        self._logger.setLevel(logging.DEBUG)

    def tearDown(self) -> None:
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._saved_level)
        if self.service.proc.poll() is not None:
            self.service.start()
        super().tearDown()

    def waiting_task(self, d, name: str) -> str:
        release = self.path(name + ".release")
        started = self.path(name + ".started")
        distributor_id = d.submit_to_batch_distributor(
            sh(f"touch {started}; while [ ! -e {release} ]; do sleep 0.05; done"), name, {})
        wait_until(lambda: os.path.exists(started), 60, f"task {name} to start")
        return distributor_id

    def release(self, name: str) -> None:
        open(self.path(name + ".release"), "w").close()

    def test_polling_goes_on_through_a_sigkill_and_restart_and_the_task_stays_active(self) -> None:
        os.environ["JOBMON__SECRET_SETTING"] = "environment-value-never-logged"
        try:
            d = self.distributor(poll_timeout=30)
            distributor_id = self.waiting_task(d, "long")
        finally:
            del os.environ["JOBMON__SECRET_SETTING"]
        answers, errors = [], []
        polling = threading.Event()
        stop_polling = threading.Event()
        old_url = live_service.read_service_file(self.service.journal)["url"]

        def poll() -> None:
            while not stop_polling.is_set():
                try:
                    answers.append((time.monotonic(), d.get_submitted_or_running([distributor_id])))
                except Exception as e:  # Jobmon's distributor would die here
                    errors.append(e)
                polling.set()

        poller = threading.Thread(target=poll)
        poller.start()
        try:
            wait_until(polling.is_set, 30, "the first poll")
            self.service.kill()
            killed_at = time.monotonic()
            wait_until(lambda: d._client.outage_seconds() > 0, 30, "a poll to meet the dead service")
            self.service.start(port=live_service.free_port())
            wait_until(lambda: any(t > killed_at for t, _ in answers[-1:]) and d._client.outage_seconds() == 0,
                       60, "polls to be answered by the restarted service")
        finally:
            stop_polling.set()
            poller.join(60)

        self.assertEqual([], errors)
        self.assertTrue(all(active == {distributor_id} for _, active in answers),
                        "the task was active all along; it must never have been reported gone")
        self.assertIn(distributor_id, d.get_submitted_or_running(None))
        self.release("long")
        self.wait_finished(d, distributor_id)
        self.assertIn("exited with code 0", self.exit_info(d, distributor_id)[1])
        new_url = live_service.read_service_file(self.service.journal)["url"]
        logged = self.log.getvalue()
        self.assertIn("unreachable", logged, "the outage was logged")
        token = live_service.read_service_file(self.service.journal)["token"]
        self.assertNotIn(token, logged)
        self.assertNotIn("environment-value-never-logged", logged)
        with open(os.path.join(self.service.workdir, "service.log"), encoding="utf-8", errors="replace") as f:
            self.assertNotIn("environment-value-never-logged", f.read())
        self.assertNotEqual(old_url, new_url)
        self.assertIn(new_url, logged, "the plugin found the service at its new address")

    def test_a_submit_and_a_stop_made_while_the_service_is_down_complete_once_it_is_back(self) -> None:
        d = self.distributor(retry_timeout=120)
        self.service.kill()
        done = {}

        def submit() -> None:
            done["id"] = d.submit_to_batch_distributor(sh("while :; do sleep 0.05; done"), "during-outage", {})

        submitter = threading.Thread(target=submit)
        submitter.start()
        wait_until(lambda: d._client.outage_seconds() > 0, 30, "the submit to meet the dead service")
        self.service.start()
        submitter.join(120)

        self.assertIn("id", done)
        wait_until(lambda: d.get_submitted_or_running([done["id"]]), 60, "the submitted task to be active")
        self.service.kill()
        stopper = threading.Thread(target=d.stop)
        stopper.start()
        wait_until(lambda: d._client.outage_seconds() > 0, 30, "stop to meet the dead service")
        self.service.start()
        stopper.join(120)
        self.assertFalse(d.started)
        self.wait_finished(self.distributor(), done["id"])

    def test_a_poll_answers_from_the_last_poll_during_a_short_outage_and_raises_after_retry_timeout(self) -> None:
        d = self.distributor(poll_timeout=0.5, retry_timeout=3)
        distributor_id = self.waiting_task(d, "held")
        self.assertEqual({distributor_id}, d.get_submitted_or_running([distributor_id]))
        self.service.kill()

        self.assertEqual({distributor_id}, d.get_submitted_or_running([distributor_id]))
        self.assertEqual(set(), d.get_submitted_or_running(["987654321"]))
        with self.assertRaises(ServiceUnavailable):
            d.submit_to_batch_distributor(sh("true"), "refused", {})
        with self.assertRaises(ServiceUnavailable):
            wait_until(lambda: d.get_submitted_or_running([distributor_id]) is None, 30, "never")

        self.service.start()
        self.assertEqual({distributor_id}, d.get_submitted_or_running([distributor_id]))
        self.release("held")
        self.wait_finished(d, distributor_id)
