// The article page: the progress of its job, then (or at once) its dashboard. Only the
// progress is imported up front: the bar and its stream wait for no dashboard module,
// and those load (from the cache, once seen) when there is a dashboard to show.
import { $ } from "./dom.js";
import { initProgress } from "./progress.js";
import { times } from "./timing.js";

async function dashboardModules() {
  const [charts, live] = await Promise.all([import("./charts.js"), import("./live-sections.js")]);
  return { ...charts, ...live };
}

// A current dashboard in `holder`: drawn, its live sections filled, "ready" for tests.
async function showDashboard(holder) {
  const { markReady, initLiveSections } = await dashboardModules();
  markReady(holder);
  initLiveSections($("#dashboard-body", holder));
}

// Once the job's stream is open: the charts' script (plotly.min.js, 4.7 MB to parse) and
// the dashboard's modules, ready for when it is done.
function prepareDashboard() {
  dashboardModules().then(({ loadPlotly }) => loadPlotly());
}

// A stale dashboard while a refresh runs: drawn, but "ready" only once it is current.
async function showStaleDashboard(holder) {
  const { renderCharts, initLiveSections } = await dashboardModules();
  renderCharts(holder);
  initLiveSections($("#dashboard-body", holder));
}

// The dashboard of the revisions stored so far, while the rest arrives (or after the
// fetch failed): drawn, and said so for tests and benchmarks ("partial" on the body,
// `times.partial` when the first one's charts on screen are drawn).
async function showPartialDashboard(holder) {
  const { renderCharts } = await dashboardModules();
  const body = $("#dashboard-body", holder);
  document.body.dataset.partial = "shown";
  renderCharts(holder, () => {
    if (!body.isConnected) return; // replaced meanwhile
    times.partial ??= performance.now();
    document.body.dataset.partialDrawn = "yes";
  });
}

const progress = $("#progress");
const dashboard = $("#dashboard");
const hooks = { onStreamOpen: prepareDashboard, onDashboard: showDashboard, onPartial: showPartialDashboard };
if (progress) initProgress(progress, hooks);
if (dashboard.children.length) {
  if ($("#dashboard-body", dashboard)?.dataset.partial) showPartialDashboard(dashboard);
  else if (progress) showStaleDashboard(dashboard);
  else showDashboard(dashboard);
}
