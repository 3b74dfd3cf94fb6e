"""Batch-system resources: a retried job asks for more memory than its first attempt."""

from __future__ import annotations

from hfe.core import job_resources


def test_memory_grows_with_the_attempt():
    fixed = job_resources.by_attempt(1000)
    assert [fixed({}, attempt) for attempt in (1, 2, 3)] == [1000, 2000, 3000]
    per_job = job_resources.by_attempt(lambda wildcards: 100 * len(wildcards["system"]))
    assert per_job({"system": "pp"}, 1) == 200 and per_job({"system": "pp"}, 2) == 400


def test_resources_scale_with_the_configured_sizes():
    small, large = job_resources.measurement(10_000, 100_000), job_resources.measurement(1_000_000_000, 100_000)
    assert large["runtime"] > small["runtime"] and large["mem_mb"] == small["mem_mb"]  # memory bounded by the step size
    assert job_resources.fit(40)["runtime"] > job_resources.fit(1)["runtime"]
