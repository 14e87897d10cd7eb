// The article page: the progress of its job, then (or at once) its dashboard.
import { markReady, renderCharts } from "./charts.js";
import { $ } from "./dom.js";
import { initLiveSections } from "./live-sections.js";
import { initProgress } from "./progress.js";

function showDashboard(holder) {
  markReady(holder);
  initLiveSections($("#dashboard-body", holder));
}

const progress = $("#progress");
const dashboard = $("#dashboard");
if (progress) initProgress(progress, showDashboard);
if (dashboard.children.length) {
  // A stale dashboard while a refresh runs: drawn, but "ready" only once it is current.
  if (progress) {
    renderCharts(dashboard);
    initLiveSections($("#dashboard-body", dashboard));
  } else {
    showDashboard(dashboard);
  }
}
