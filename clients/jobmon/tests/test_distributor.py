"""The plugin's distributor against a live multiproc service: the calls Jobmon's distributor makes."""

import os
import sys
import uuid

import live_service
from live_service import sh, wait_until
from plugin_test import PluginTest, writes

from jobmon.plugins.multiproc._compat import RemoteExitInfoNotAvailable
from jobmon.plugins.multiproc.service_client import ServiceClient, ServiceLocation


def setUpModule() -> None:
    PluginTest.service = live_service.shared()


def tearDownModule() -> None:
    live_service.release()


class SubmitTest(PluginTest):

    def test_a_single_task_sees_its_job_id_and_no_array_step(self) -> None:
        d = self.distributor()
        out = self.path("ids")
        distributor_id = d.submit_to_batch_distributor(
            sh(writes(out, 'echo "$JOB_ID|${ARRAY_STEP_ID-unset}"')), "single", {"cores": 1})

        self.assertRegex(distributor_id, r"^\d+$")
        self.assertEqual(f"{distributor_id}|unset", self.wait_for_file("ids").strip())
        self.wait_finished(d, distributor_id)

    def test_an_array_maps_0_based_steps_to_ids_that_each_step_sees(self) -> None:
        d = self.distributor()
        out = self.path("step")
        ids = d.submit_array_to_batch_distributor(
            sh(writes(out + "$ARRAY_STEP_ID", 'echo "$JOB_ID $ARRAY_STEP_ID"')), "array", {"cores": 1}, 3)

        self.assertEqual({0, 1, 2}, set(ids))
        job = ids[0].split("_")[0]
        for step in range(3):
            self.assertEqual(f"{job}_{step}", ids[step])
            self.assertEqual(f"{job} {step}", self.wait_for_file(f"step{step}").strip())
        for step in range(3):
            self.wait_finished(d, ids[step])

    def test_an_array_of_one_step_is_an_array(self) -> None:
        d = self.distributor()
        ids = d.submit_array_to_batch_distributor(sh("true"), "one", {}, 1)

        self.assertEqual([0], list(ids))
        self.assertRegex(ids[0], r"^\d+_0$")
        self.wait_finished(d, ids[0])

    def test_the_jobmon_environment_reaches_the_task_and_nothing_else_of_the_client(self) -> None:
        os.environ["JOBMON__HTTP__SERVICE_URL"] = "http://127.0.0.1:1/from-the-client"
        os.environ["NOT_JOBMON_CLIENT_ONLY"] = "must-not-travel"
        try:
            d = self.distributor()
            out = self.path("env")
            distributor_id = d.submit_to_batch_distributor(
                sh(writes(out, 'echo "url=$JOBMON__HTTP__SERVICE_URL other=${NOT_JOBMON_CLIENT_ONLY-unset}"')),
                "env", {})
        finally:
            del os.environ["JOBMON__HTTP__SERVICE_URL"]
            del os.environ["NOT_JOBMON_CLIENT_ONLY"]

        self.assertEqual("url=http://127.0.0.1:1/from-the-client other=unset", self.wait_for_file("env").strip())
        self.wait_finished(d, distributor_id)

    def test_the_worker_node_entry_point_prefixes_the_command(self) -> None:
        d = self.distributor()
        out = self.path("argv0")
        self.assertEqual(live_service.RUN_SHELL, d.worker_node_entry_point)
        distributor_id = d.submit_to_batch_distributor(
            sh(writes(out, 'echo "${MULTIPROC_TEST_ENTRY_POINT-not run by the entry point}"')), "argv0", {})

        self.assertEqual(live_service.RUN_SHELL, self.wait_for_file("argv0").strip())
        self.wait_finished(d, distributor_id)


class ExitInfoTest(PluginTest):

    def test_exit_codes_are_unknown_error_with_the_code_as_the_reference_answers(self) -> None:
        # Jobmon asks for exit info only of tasks that left without reporting: the reference answers
        # UNKNOWN_ERROR "Process exited with code N" for every N, 0 included (PROTOCOL.md).
        d = self.distributor()
        ok = d.submit_to_batch_distributor(sh("exit 0"), "ok", {})
        bad = d.submit_to_batch_distributor(sh("exit 3"), "bad", {})
        self.wait_finished(d, ok)
        self.wait_finished(d, bad)

        self.assertEqual(("U", "Process exited with code 0"), self.exit_info(d, ok))
        self.assertEqual(("U", "Process exited with code 3"), self.exit_info(d, bad))

    def test_a_running_task_has_no_exit_info_yet(self) -> None:
        d = self.distributor()
        release = self.path("release")
        distributor_id = d.submit_to_batch_distributor(
            sh(f"touch {self.path('started')}; while [ ! -e {release} ]; do sleep 0.05; done"), "running", {})
        wait_until(lambda: os.path.exists(self.path("started")), 60, "the task to start")

        with self.assertRaises(RemoteExitInfoNotAvailable):
            d.get_remote_exit_info(distributor_id)
        open(release, "w").close()
        self.wait_finished(d, distributor_id)
        self.assertIn("exited with code 0", self.exit_info(d, distributor_id)[1])

    def test_an_id_the_journal_never_issued_gets_a_verdict_rather_than_triage_forever(self) -> None:
        d = self.distributor()
        status, message = d.get_remote_exit_info("987654321")

        self.assertEqual("U", status)
        self.assertIn("987654321", message)


class TerminateTest(PluginTest):

    def test_terminate_kills_the_task_with_its_children_and_drops_queued_ones(self) -> None:
        d = self.distributor()
        pids = self.path("pids")
        running = d.submit_to_batch_distributor(
            sh(f"sleep 600 & echo $$ $! > {pids}.tmp; mv {pids}.tmp {pids}; wait"), "sleeper", {})
        wait_until(lambda: os.path.exists(pids), 60, "the task to start its child")
        with open(pids) as f:
            shell_pid, child_pid = (int(p) for p in f.read().split())

        d.terminate_task_instances([running])

        self.wait_finished(d, running)
        wait_until(lambda: not _alive(shell_pid) and not _alive(child_pid), 30, "the task's processes to end")
        status, _ = self.exit_info(d, running)
        self.assertNotEqual("D", status)

    def test_terminate_of_an_unknown_id_is_not_an_error(self) -> None:
        d = self.distributor()
        d.terminate_task_instances(["987654321"])


class QueueingErrorTest(PluginTest):

    def test_a_command_the_system_cannot_start_is_a_queueing_error_answered_once(self) -> None:
        d = self.distributor()
        too_long = "true " + "x" * 300_000  # one argument over the kernel's 128 KiB limit: E2BIG at exec
        distributor_id = d.submit_to_batch_distributor(sh(too_long), "too-long", {})
        errors = wait_until(lambda: d.get_queueing_errors([distributor_id]), 60, "a queueing error")

        self.assertEqual([distributor_id], list(errors))
        self.assertTrue(errors[distributor_id].strip())
        self.assertEqual({}, d.get_queueing_errors([distributor_id]))
        self.assertNotIn(distributor_id, d.get_submitted_or_running([distributor_id]))


class StopTest(PluginTest):

    def test_stop_ends_only_what_this_distributor_submitted(self) -> None:
        mine, other = self.distributor(), self.distributor()
        forever = sh("while :; do sleep 0.05; done")
        my_task = mine.submit_to_batch_distributor(forever, "mine", {})
        my_array = mine.submit_array_to_batch_distributor(forever, "mine-array", {}, 2)
        other_task = other.submit_to_batch_distributor(forever, "other", {})
        everything = [my_task, *my_array.values(), other_task]
        wait_until(lambda: mine.get_submitted_or_running(everything) == set(everything), 60, "all to be active")

        mine.stop()

        self.assertFalse(mine.started)
        wait_until(lambda: other.get_submitted_or_running(everything) == {other_task}, 30,
                   "the stopped distributor's tasks to end")
        self.assertEqual({other_task}, other.get_submitted_or_running(everything))
        other.terminate_task_instances([other_task])
        self.wait_finished(other, other_task)

    def test_start_and_stop_are_idempotent_and_start_again_after_stop(self) -> None:
        d = self.distributor()
        d.start()
        d.stop()
        d.stop()
        d.start()
        self.assertTrue(d.started)


class RetriedSubmitTest(PluginTest):

    def test_the_same_request_key_sent_again_gets_the_first_ids_and_runs_once(self) -> None:
        client = ServiceClient(ServiceLocation(journal=self.service.journal), retry_timeout=60)
        out = self.path("runs")
        body = {"command": f"{live_service.RUN_SHELL} {sh(f'echo $JOB_ID >> {out}; touch {out}.done')}",
                "name": "retried", "requested_resources": {}, "environment": {}, "client_id": "retry-test",
                "request_key": "retry-test-" + uuid.uuid4().hex}
        first = client.call("POST", "/tasks", body)[1]["distributor_id"]
        again = client.call("POST", "/tasks", body)[1]["distributor_id"]
        array_body = dict(body, request_key=body["request_key"] + "-array", array_length=2)
        first_array = client.call("POST", "/arrays", array_body)[1]["distributor_ids"]
        again_array = client.call("POST", "/arrays", array_body)[1]["distributor_ids"]
        self.wait_for_file("runs")
        d = self.distributor()
        for distributor_id in [first, *first_array.values()]:
            self.wait_finished(d, distributor_id)
        client.close()

        self.assertEqual(first, again)
        self.assertEqual(first_array, again_array)
        with open(out) as f:
            job_ids = f.read().split()
        self.assertEqual(sorted([first, first_array["0"].split("_")[0], first_array["1"].split("_")[0]]),
                         sorted(job_ids))

    def test_a_submit_whose_answer_is_lost_is_retried_with_its_key_and_journaled_once(self) -> None:
        with live_service.AnswerDroppingProxy(self.service.journal, drop=1) as proxy:
            d = self.distributor(journal=None, url=proxy.url, token=proxy.token)
            forever = sh("while :; do sleep 0.05; done")
            distributor_id = d.submit_to_batch_distributor(forever, "lost-answer", {})

            self.assertEqual(2, len(proxy.submits), "the first answer was dropped, so the plugin sent again")
            self.assertEqual(proxy.submits[0]["request_key"], proxy.submits[1]["request_key"])
            d.stop()
            self.assertEqual([distributor_id], proxy.stopped)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run: python3 -m unittest discover -s clients/jobmon/tests")
