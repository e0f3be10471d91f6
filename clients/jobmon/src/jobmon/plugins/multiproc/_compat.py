"""Jobmon's protocol classes when jobmon.core is installed, plain stand-ins when it is not.

The plugin runs inside Jobmon's distributor and worker node, where jobmon.core is always present. The
stand-ins let it import (and be tested) without Jobmon.
"""

from typing import Optional

try:
    from jobmon.core.cluster_protocol import (  # type: ignore
        ClusterDistributor,
        ClusterQueue,
        ClusterWorkerNode,
    )
    from jobmon.core.exceptions import RemoteExitInfoNotAvailable  # type: ignore

    HAVE_JOBMON = True
except ImportError:
    HAVE_JOBMON = False

    class RemoteExitInfoNotAvailable(Exception):  # type: ignore[no-redef]
        """No exit information for this distributor id yet (Jobmon asks again on its next pass)."""

    class ClusterQueue:  # type: ignore[no-redef]
        """Stand-in for jobmon.core.cluster_protocol.ClusterQueue."""

    class ClusterWorkerNode:  # type: ignore[no-redef]
        """Stand-in for jobmon.core.cluster_protocol.ClusterWorkerNode."""

    class ClusterDistributor:  # type: ignore[no-redef]
        """Stand-in for jobmon.core.cluster_protocol.ClusterDistributor, with its command builder."""

        expected_jobmon_version = "unknown"

        def build_worker_node_command(
            self,
            task_instance_id: Optional[int] = None,
            array_id: Optional[int] = None,
            batch_number: Optional[int] = None,
        ) -> str:
            if task_instance_id is not None:
                words = ["worker_node_job", "--task_instance_id", str(task_instance_id)]
            elif array_id is not None and batch_number is not None:
                words = ["worker_node_array", "--array_id", str(array_id),
                         "--batch_number", str(batch_number)]
            else:
                raise ValueError(
                    "a worker node command needs task_instance_id, or array_id and batch_number; got "
                    f"task_instance_id={task_instance_id}, array_id={array_id}, batch_number={batch_number}")
            words += ["--expected_jobmon_version", str(self.expected_jobmon_version),
                      "--cluster_name", str(self.cluster_name)]  # type: ignore[attr-defined]
            return " ".join(words)


class TaskInstanceStatus:
    """Jobmon's task instance status codes that the plugin answers with."""

    DONE = "D"
    ERROR = "E"
    UNKNOWN_ERROR = "U"
