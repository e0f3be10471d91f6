"""Jobmon's ClusterQueue for a multiproc cluster: bounds on cores, memory and runtime.

The queue row's parameters give ``[min, max]`` pairs (Jobmon stores them as Python literal text, e.g.
``{"cores": (1, 20), "memory": ("512M", "64G"), "runtime": (1, "24h")}``). Bounds not given come from
this machine: cores 1 to its processors, memory up to its physical memory, runtime without a maximum.
"""

import ast
import os
from typing import Any, Callable, Dict, List, Tuple

from jobmon.plugins.multiproc._compat import ClusterQueue
from jobmon.plugins.multiproc.resources import parse_cores, parse_memory, parse_runtime, show_bytes

_NO_LIMIT = 2 ** 62


class MultiprocQueue(ClusterQueue):
    """One queue of a multiproc cluster."""

    def __init__(self, queue_id: int, queue_name: str, parameters: Dict) -> None:
        self._queue_id = queue_id
        self._queue_name = queue_name or "null.q"
        self._parameters = dict(parameters or {})
        self.cores = _range("cores", self._parameters.get("cores"), (1, os.cpu_count() or 1), parse_cores)
        self.memory = _range("memory", self._parameters.get("memory"), (1, _physical_memory()), parse_memory)
        self.runtime = _range("runtime", self._parameters.get("runtime"), (1, _NO_LIMIT), parse_runtime)

    @property
    def queue_id(self) -> int:
        return self._queue_id

    @property
    def queue_name(self) -> str:
        return self._queue_name

    @property
    def parameters(self) -> Dict:
        return self._parameters

    @property
    def required_resources(self) -> List:
        return []

    def validate_resources(self, strict: bool = False, **kwargs: Any) -> Tuple[bool, str]:
        """(valid, message): out-of-range values are named (with what they are clamped to); they make the
        answer invalid only when strict. A value that cannot be read is always invalid."""
        problems: List[str] = []
        try:
            if kwargs.get("cores") is None:
                problems.append(f"Cores not provided, setting to {self._queue_name} minimum of {self.cores[0]}")
            else:
                self._check(problems, "cores", parse_cores(kwargs["cores"]), self.cores, str)
            if kwargs.get("memory") is not None:
                self._check(problems, "memory", parse_memory(kwargs["memory"]), self.memory, show_bytes)
            if kwargs.get("runtime") is not None:
                self._check(problems, "runtime", parse_runtime(kwargs["runtime"]), self.runtime, lambda s: f"{s}s")
        except ValueError as e:
            return False, f"ResourceError: {e}"
        return (not strict or not problems), "; ".join(problems)

    def coerce_resources(self, **kwargs: Any) -> Dict:
        """The resources clamped into the queue's bounds, in canonical units (cores; memory in GiB;
        runtime in seconds); other keys as given."""
        out = dict(kwargs)
        cores = self.cores[0] if kwargs.get("cores") is None else parse_cores(kwargs["cores"])
        out["cores"] = _clamp(cores, self.cores)
        if kwargs.get("memory") is not None:
            out["memory"] = _clamp(parse_memory(kwargs["memory"]), self.memory) / 2 ** 30
        if kwargs.get("runtime") is not None:
            out["runtime"] = _clamp(parse_runtime(kwargs["runtime"]), self.runtime)
        return out

    def _check(self, problems: List[str], key: str, value: int, bounds: Tuple[int, int],
               show: Callable[[int], str]) -> None:
        low, high = bounds
        if value > high:
            problems.append(f"ResourceError: provided {key} {show(value)} exceeds queue limit of {show(high)} "
                            f"for queue {self._queue_name} (clamped to {show(high)})")
        elif value < low:
            problems.append(f"ResourceError: provided {key} {show(value)} is below queue minimum of {show(low)} "
                            f"for queue {self._queue_name} (clamped to {show(low)})")


def _range(key: str, given: Any, default: Tuple[int, int], parse: Callable[[Any], int]) -> Tuple[int, int]:
    if given is None:
        return default
    pair = given
    if isinstance(given, str):
        try:
            pair = ast.literal_eval(given.strip())
        except (ValueError, SyntaxError):
            pair = None
    if not isinstance(pair, (list, tuple)) or len(pair) != 2:
        raise ValueError(f"queue parameter {key!r} must be a [min, max] pair, got {given!r}")
    try:
        low, high = parse(pair[0]), parse(pair[1])
    except ValueError as e:
        raise ValueError(f"queue parameter {key!r} is not a valid [min, max] pair: {e}") from None
    if low > high:
        raise ValueError(f"queue parameter {key!r} has min {pair[0]!r} above max {pair[1]!r}")
    return low, high


def _clamp(value: int, bounds: Tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], value))


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return _NO_LIMIT
