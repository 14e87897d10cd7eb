"""The MediaWiki simulator: the project's only fake, standing at the network boundary.

It answers api.php (formatversion=2, and the default formatversion=1 that clients such
as mwclient get: formats.py) and rest.php like Wikimedia's servers, for titles
`Synthetic N` (exactly N revisions, N <= 2,000,000) and a dozen named demo pages, with
deterministic histories generated a block at a time (see history.py for the id and
timestamp scheme), configurable latency and reproducible faults (faults.py).

    from wikivice.simulator import Simulator, SimulatorServer, FaultSpec, SyntheticHistory

    sim = Simulator(latency=0.0, faults=FaultSpec.parse("5xx=0.2,seed=7"),
                    anchor=datetime(2026, 1, 1, tzinfo=UTC), enforce_user_agent=True)
    with SimulatorServer(sim) as server:   # real uvicorn on 127.0.0.1:<free port>
        server.api_url, server.rest_url, server.base_url
    sim.history("Synthetic 500")           # ground truth; None unless a content page
    sim.grow("Synthetic 500", 5)           # five new revisions after the latest
    sim.stats, sim.reset_stats(), sim.faults = FaultSpec.parse(""), sim.latency = 0.2

`serve(port=8765, latency=0.0, faults="", seed=0, anchor=None, host="127.0.0.1")` runs
one in the foreground (the `wikivice simulator` command; `seed` seeds the faults).
`Simulator(seed=N)` reseeds every history (default 0; keep it for ground truth).

The modules, in an order where each imports only modules after it:
- running it: server.py (uvicorn), app.py (the Simulator and its ASGI app), asgi.py,
  stats.py, faults.py;
- api.php: api.py (the dispatcher), compare.py, lists.py (list and meta modules),
  prop_info.py, prop_revisions.py, pageset.py, timestamps.py, request.py, formats.py;
  rest.php: rest.py;
- the histories: catalog.py (which pages exist), history.py, blocks.py, plan.py,
  timeline.py, content.py (wikitext and diffs), editors.py (names and summaries).
"""

from __future__ import annotations

from .app import Simulator, SimulatorStats, user_agent_allowed
from .catalog import NAMED_PAGES, REDIRECTS, InvalidTitle, normalize
from .faults import FaultSpec
from .history import BLOCK, REVID_STRIDE, Profile, SyntheticHistory
from .server import SimulatorServer, serve

__all__ = [
    "BLOCK",
    "NAMED_PAGES",
    "REDIRECTS",
    "REVID_STRIDE",
    "FaultSpec",
    "InvalidTitle",
    "Profile",
    "Simulator",
    "SimulatorServer",
    "SimulatorStats",
    "SyntheticHistory",
    "normalize",
    "serve",
    "user_agent_allowed",
]
