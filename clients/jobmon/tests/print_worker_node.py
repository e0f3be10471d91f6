"""Run inside a task: prints what the plugin's worker-node class reads from the task's environment."""

import json
import sys

import jobmon.plugins.multiproc as plugin

node = plugin.get_cluster_worker_node_class()()
print(json.dumps({
    "distributor_id": node.distributor_id,
    "array_step_id": node.array_step_id,
    "stdout": node.initialize_logfile("stdout", sys.argv[1], "my task"),
    "stderr": node.initialize_logfile("stderr", sys.argv[1], "my task"),
    "exit_info": list(node.get_exit_info(3, "boom")),
    "usage_keys": sorted(node.get_usage_stats()),
}))
