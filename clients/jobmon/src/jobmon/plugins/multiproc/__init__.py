"""Jobmon cluster plugin 'multiproc': task instances run through a `multiproc serve` service.

Jobmon finds it as the namespace package jobmon.plugins.multiproc (cluster_type name "multiproc").
"""

from typing import Type

__version__ = "0.1.0"


def get_cluster_queue_class() -> Type:
    from jobmon.plugins.multiproc.queue import MultiprocQueue

    return MultiprocQueue


def get_cluster_distributor_class() -> Type:
    from jobmon.plugins.multiproc.distributor import MultiprocDistributor

    return MultiprocDistributor


def get_cluster_worker_node_class() -> Type:
    from jobmon.plugins.multiproc.worker_node import MultiprocWorkerNode

    return MultiprocWorkerNode
