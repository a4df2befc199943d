"""The benchmark workloads, by name: each `build(seed, num_requests, max_size)` is deterministic."""

from __future__ import annotations

from typing import Callable

from bench.workload import Workload
from bench.workloads import doccloud, github, tinytodo

BUILDERS: dict[str, Callable[[int, int, int], Workload]] = {
    "tinytodo": tinytodo.build,
    "github": github.build,
    "doccloud": doccloud.build,
}
