"""The plugin's classes without a service: the worker node's environment, the queue, the module itself."""

import unittest

import live_service  # noqa: F401  (puts the plugin's source on sys.path)

import jobmon.plugins.multiproc as plugin


class WorkerNodeEnvironmentTest(unittest.TestCase):

    def node(self, **env: str):
        return plugin.get_cluster_worker_node_class()(env)

    def test_ids_from_the_environment(self) -> None:
        self.assertEqual("17", self.node(JOB_ID="17").distributor_id)
        self.assertEqual("18_3", self.node(JOB_ID="18", ARRAY_STEP_ID="3").distributor_id)
        self.assertEqual(3, self.node(JOB_ID="18", ARRAY_STEP_ID="3").array_step_id)
        self.assertEqual("18_0", self.node(JOB_ID="18", ARRAY_STEP_ID="0").distributor_id)
        self.assertIsNone(self.node().distributor_id)
        self.assertIsNone(self.node(JOB_ID="17").array_step_id)

    def test_a_bad_step_is_named(self) -> None:
        with self.assertRaisesRegex(ValueError, "ARRAY_STEP_ID is not a whole number: 'x'"):
            self.node(JOB_ID="18", ARRAY_STEP_ID="x").distributor_id

    def test_log_files_stay_inside_their_directory(self) -> None:
        node = self.node(JOB_ID="17")
        self.assertEqual("/dev/null", node.initialize_logfile("stdout", "", "t"))
        self.assertEqual("/d/_._.._etc_passwd.o17", node.initialize_logfile("stdout", "/d", "../../etc/passwd"))
        with self.assertRaisesRegex(ValueError, "log type must be 'stdout' or 'stderr', got 'x'"):
            node.initialize_logfile("x", "/d", "t")


class QueueTest(unittest.TestCase):

    def queue(self, parameters):
        return plugin.get_cluster_queue_class()(7, "null.q", parameters)

    def test_identity(self) -> None:
        q = self.queue({"cores": (1, 20)})
        self.assertEqual((7, "null.q", {"cores": (1, 20)}, []),
                         (q.queue_id, q.queue_name, q.parameters, q.required_resources))

    def test_cores_within_bounds_are_valid(self) -> None:
        self.assertEqual((True, ""), self.queue({"cores": (1, 20)}).validate_resources(strict=True, cores=4))

    def test_out_of_range_is_named_and_clamped_and_invalid_only_when_strict(self) -> None:
        q = self.queue({"cores": "(2, 8)"})
        message = "ResourceError: provided cores 9 exceeds queue limit of 8 for queue null.q (clamped to 8)"
        self.assertEqual((False, message), q.validate_resources(strict=True, cores=9))
        self.assertEqual((True, message), q.validate_resources(strict=False, cores=9))
        below = q.validate_resources(strict=True, cores=1)
        self.assertFalse(below[0])
        self.assertIn("below queue minimum of 2", below[1])

    def test_missing_cores_takes_the_minimum(self) -> None:
        valid, message = self.queue({"cores": [2, 8]}).validate_resources(strict=False)
        self.assertTrue(valid)
        self.assertEqual("Cores not provided, setting to null.q minimum of 2", message)

    def test_memory_and_runtime_bounds(self) -> None:
        q = self.queue({"memory": ("512M", "4G"), "runtime": (1, "2h")})
        valid, message = q.validate_resources(strict=True, cores=1, memory="8G", runtime="3h")
        self.assertFalse(valid)
        self.assertIn("provided memory 8G exceeds queue limit of 4G", message)
        self.assertIn("provided runtime 10800s exceeds queue limit of 7200s", message)
        self.assertEqual((True, ""), q.validate_resources(strict=True, cores=1, memory=1, runtime="1:30:00"))

    def test_an_unreadable_value_is_invalid_and_named(self) -> None:
        valid, message = self.queue({}).validate_resources(strict=False, cores=1, memory="lots")
        self.assertFalse(valid)
        self.assertIn("requested resource 'memory' must look like 512M", message)

    def test_coerce_clamps_into_canonical_units_and_keeps_other_keys(self) -> None:
        q = self.queue({"cores": (1, 4), "memory": ("1G", "2G"), "runtime": (60, "1h")})
        self.assertEqual({"cores": 4, "memory": 2.0, "runtime": 90, "constraints": "x"},
                         q.coerce_resources(cores=16, memory="8G", runtime="90s", constraints="x"))
        self.assertEqual({"cores": 1}, q.coerce_resources())

    def test_a_bad_queue_parameter_is_named(self) -> None:
        with self.assertRaisesRegex(ValueError, "queue parameter 'cores' must be a \\[min, max\\] pair"):
            self.queue({"cores": "many"})
        with self.assertRaisesRegex(ValueError, "queue parameter 'cores' has min 9 above max 2"):
            self.queue({"cores": (9, 2)})


class ImportWithoutJobmonTest(unittest.TestCase):

    def test_the_plugin_imports_and_has_its_interface(self) -> None:
        from jobmon.plugins.multiproc import _compat

        for name in ("get_cluster_queue_class", "get_cluster_distributor_class", "get_cluster_worker_node_class"):
            self.assertTrue(callable(getattr(plugin, name)))
        self.assertTrue(issubclass(_compat.RemoteExitInfoNotAvailable, Exception))

    def test_the_stand_in_command_builder(self) -> None:
        from jobmon.plugins.multiproc import _compat

        if _compat.HAVE_JOBMON:
            self.skipTest("jobmon.core is installed: its own builder is used")
        d = plugin.get_cluster_distributor_class()("c1", url="http://127.0.0.1:9", token="t")
        d._info = {"expected_jobmon_version": "3.6.0"}
        self.assertEqual("worker_node_job --task_instance_id 5 --expected_jobmon_version 3.6.0 --cluster_name c1",
                         d.build_worker_node_command(task_instance_id=5))
        self.assertEqual("worker_node_array --array_id 2 --batch_number 1 --expected_jobmon_version 3.6.0 "
                         "--cluster_name c1", d.build_worker_node_command(array_id=2, batch_number=1))
        with self.assertRaises(ValueError):
            d.build_worker_node_command()

    def test_bad_connection_parameters_are_named(self) -> None:
        cls = plugin.get_cluster_distributor_class()
        with self.assertRaisesRegex(ValueError, "need 'journal'"):
            cls("c1")
        with self.assertRaisesRegex(ValueError, r"unknown key\(s\) \['jurnal'\]"):
            cls("c1", jurnal="/x")
        with self.assertRaisesRegex(ValueError, "not an http://host:port URL"):
            cls("c1", url="ftp://x", token="t")
