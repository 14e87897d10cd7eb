// The article page: the progress of its job, then (or at once) its dashboard. Only the
// progress is imported up front: the bar and its stream wait for no dashboard module,
// and those load (from the cache, once seen) when there is a dashboard to show.
import { $ } from "./dom.js";
import { initProgress } from "./progress.js";

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

const progress = $("#progress");
const dashboard = $("#dashboard");
if (progress) initProgress(progress, { onStreamOpen: prepareDashboard, onDashboard: showDashboard });
if (dashboard.children.length) {
  if (progress) showStaleDashboard(dashboard);
  else showDashboard(dashboard);
}
