// Charts: plotly.min.js (4.7 MB) loads `async`, off the path to the progress bar; charts
// wait for it. Charts on screen are drawn first, the others one by one right after, so
// the dashboard is readable without waiting for all twelve.
import { sleep } from "./dom.js";
import { times } from "./timing.js";
import { URLS } from "./vocabulary.js";

// A progress page calls this only once its stream is open: parsing 4.7 MB of script
// would otherwise hold up the page and its first event. Pages with charts from the
// start name it in their <head> (id "plotly-js"), and this finds it there.
export function loadPlotly() {
  let script = document.getElementById("plotly-js");
  if (!script) {
    script = document.createElement("script");
    script.id = "plotly-js";
    script.src = URLS.plotly;
    script.async = true;
    document.head.appendChild(script);
  }
  return script;
}

function plotlyReady() {
  if (window.Plotly !== undefined) return Promise.resolve();
  const script = loadPlotly();
  return new Promise((resolve, reject) => {
    script.addEventListener("load", () => resolve(), { once: true });
    script.addEventListener("error", () => reject(new Error("plotly.js did not load")), { once: true });
  });
}

function drawChart(holder) {
  const target = document.getElementById(holder.dataset.for);
  if (!target || target.dataset.rendered) return;
  const chart = JSON.parse(holder.textContent);
  const figure = chart.figure || {};
  const config = Object.assign({ responsive: true, displaylogo: false }, chart.config || {});
  window.Plotly.newPlot(target, figure.data || [], figure.layout || {}, config);
  target.dataset.rendered = "yes";
}

function onScreen(holder) {
  const target = document.getElementById(holder.dataset.for);
  if (!target) return false;
  const box = target.getBoundingClientRect();
  return box.bottom > 0 && box.top < window.innerHeight;
}

function sayNotLoaded(holders) {
  for (const holder of holders) {
    const target = document.getElementById(holder.dataset.for);
    if (target) target.textContent = "The chart library did not load; reload the page.";
  }
}

// Draws every chart under `root` (its data in <script class="chart-data">).
export async function renderCharts(root) {
  const holders = [...root.querySelectorAll("script.chart-data")];
  if (!holders.length) return;
  try {
    await plotlyReady();
  } catch (e) {
    sayNotLoaded(holders);
    return;
  }
  const first = holders.filter(onScreen);
  first.forEach(drawChart);
  root.dataset.chartsVisible = "yes";
  for (const holder of holders) {
    if (first.includes(holder)) continue;
    await sleep(0);
    drawChart(holder);
  }
  root.dataset.charts = "drawn";
}

// The dashboard is "ready" (for people and for tests) once the charts on screen are drawn.
export function markReady(root) {
  renderCharts(root).then(() => {
    document.body.dataset.charts = "drawn";
  });
  const check = () => {
    if (root.dataset.chartsVisible || !root.querySelector("script.chart-data")) {
      times.dashboard = performance.now();
      document.body.dataset.dashboard = "ready";
    } else {
      setTimeout(check, 10);
    }
  };
  check();
}
