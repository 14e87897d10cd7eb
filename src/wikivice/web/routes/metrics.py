"""GET /metrics: the service's counts in Prometheus' text format (see wikivice.metrics).
Meant for the operator's Prometheus: keep it off the public internet (deploy/nginx.conf
answers it only to the machine itself)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from wikivice import metrics
from wikivice.jobs.fleet import busy_hosts, fleet_state, slots_in_use
from wikivice.jobs.runtime import Runtime
from wikivice.web.deps import RuntimeDep

router = APIRouter(tags=["health"])


class FleetCollector(Collector):
    """What the database and the queue say, read at each scrape."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def collect(self) -> Iterator[GaugeMetricFamily]:
        state = fleet_state(self.rt)
        jobs = GaugeMetricFamily("wikivice_jobs", "Fetch jobs by status.", labels=["status"])
        for status, count in state.jobs.items():
            jobs.add_metric([status.value], count)
        yield jobs
        yield GaugeMetricFamily(
            "wikivice_jobs_stalled",
            "Running jobs whose heartbeat is older than WIKIVICE_STALE_SECONDS.",
            value=state.stalled,
        )
        if state.queue_depth is not None:
            yield GaugeMetricFamily(
                "wikivice_queue_depth", "Job ids waiting on the queue.", value=state.queue_depth
            )
        yield GaugeMetricFamily(
            "wikivice_politeness_limit",
            "Requests to one wiki host at once, across the fleet "
            "(WIKIVICE_MAX_CONCURRENT_REQUESTS).",
            value=self.rt.settings.max_concurrent_requests,
        )
        yield from self._slots()

    def _slots(self) -> Iterator[GaugeMetricFamily]:
        """Each busy wiki host's politeness slots: held now, out of the cap."""
        in_use = GaugeMetricFamily(
            "wikivice_politeness_slots_in_use",
            "Requests to a wiki host under way now across the fleet (its politeness slots "
            "held), for the hosts that queued or running jobs fetch from.",
            labels=["host"],
        )
        cap = GaugeMetricFamily(
            "wikivice_politeness_slots_cap",
            "The fleet-wide cap of requests at once to a wiki host.",
            labels=["host"],
        )
        for host in busy_hosts(self.rt):
            held, limit = slots_in_use(self.rt, host)
            in_use.add_metric([host], held)
            cap.add_metric([host], limit)
        yield in_use
        yield cap


@router.get("/metrics", response_class=Response, include_in_schema=False)
def read_metrics(rt: RuntimeDep) -> Response:
    """This process's counts (or, with WIKIVICE_METRICS_DIR, every process's on this
    machine), and the fleet's state from the database."""
    fleet = CollectorRegistry()
    fleet.register(FleetCollector(rt))
    if metrics.directory() is None:
        counted = generate_latest(REGISTRY)
    else:
        from prometheus_client import multiprocess

        metrics.sweep_dead()
        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared, path=str(metrics.directory()))  # type: ignore[no-untyped-call]
        counted = generate_latest(shared)
    return Response(counted + generate_latest(fleet), media_type=CONTENT_TYPE_LATEST)
