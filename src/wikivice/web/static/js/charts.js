// Charts: plotly.min.js (4.7 MB) loads `async`, off the path to the progress bar; charts
// wait for it. Charts on screen are drawn first (their range sliders just after), the
// others one by one right after, so the dashboard is readable without waiting for all
// twelve.
import { sleep } from "./dom.js";
import { localHeatmap } from "./heatmap.js";
import { forNarrowScreens, isNarrow } from "./narrow.js";
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

// A range slider costs plotly three to five times its chart (it draws every trace again
// below it): a chart drawn `quick` leaves it out and keeps its room (the bottom margin
// plotly would push for it), and `addSlider` puts it back once the charts on screen are
// drawn, with no jump of the plot.
const sliders = new WeakMap();
const SLIDER_ROOM = 0.19; // of the chart's height: the slider and its tick labels

function drawChart(holder, quick = false) {
  const target = document.getElementById(holder.dataset.for);
  if (!target || target.dataset.rendered) return;
  const chart = JSON.parse(holder.textContent);
  const narrow = isNarrow();
  const figure = narrow ? forNarrowScreens(chart.figure || {}) : chart.figure || {};
  const config = Object.assign({ responsive: true, displaylogo: false }, chart.config || {});
  // On a phone's narrow screen plotly's toolbar would cover legends and zoom buttons, and
  // there is no hover to call it up: pinch and the range slider zoom there.
  if (narrow) config.displayModeBar = false;
  let layout = figure.layout || {};
  const slider = layout.xaxis?.rangeslider;
  if (quick && slider) {
    const margin = layout.margin || {};
    const bottom = margin.b ?? 80;
    sliders.set(target, { "xaxis.rangeslider": slider, "margin.b": bottom });
    target.dataset.slider = "later";
    const { rangeslider, ...xaxis } = layout.xaxis;
    const room = Math.round(SLIDER_ROOM * target.clientHeight);
    layout = { ...layout, xaxis, margin: { ...margin, b: bottom + room } };
  }
  window.Plotly.newPlot(target, figure.data || [], layout, config);
  if (layout.meta?.rescale === "y") rescaleOnZoom(target);
  target.dataset.rendered = "yes";
}

function addSlider(holder) {
  const target = document.getElementById(holder.dataset.for);
  const slider = target && sliders.get(target);
  if (!slider || !target.isConnected) return;
  sliders.delete(target);
  window.Plotly.relayout(target, slider);
  target.dataset.slider = "added";
}

// Plotly's dates ("2020-05", "2020-05-01 12:30:00.5", "2020-05-01T12:30:00Z") as UTC ms.
function toTime(x) {
  const text = String(x).replace(" ", "T");
  return new Date(/T.*(Z|[+-]\d\d:?\d\d)$/.test(text) || !text.includes("T") ? text : `${text}Z`).getTime();
}

// The tallest stack (bars) or point (lines, markers) with its x inside [from, to].
function tallestIn(data, from, to) {
  const stacks = new Map();
  let tallest = 0;
  for (const trace of data) {
    if (trace.visible === "legendonly" || !trace.x || !trace.y) continue;
    const stacked = trace.type === "bar";
    trace.x.forEach((x, i) => {
      const at = toTime(x);
      if (at < from || at > to) return;
      const y = Number(trace.y[i]) || 0;
      const top = stacked ? (stacks.get(at) || 0) + y : y;
      if (stacked) stacks.set(at, top);
      tallest = Math.max(tallest, top);
    });
  }
  return tallest;
}

// Plotly keeps the whole history's y range when the x axis is zoomed (1y, 5y, the range
// slider), which leaves recent bars flat: fit the y axis to what is in view instead.
function rescaleOnZoom(div) {
  div.on("plotly_relayout", (change) => {
    const keys = Object.keys(change);
    const zoomed = (k) => k === "xaxis.range" || k.startsWith("xaxis.range[") || k === "xaxis.autorange";
    if (!keys.some(zoomed)) return; // not "xaxis.rangeslider": that is no zoom
    const range = div.layout.xaxis.range.map(toTime);
    const tallest = tallestIn(div.data, range[0], range[1]);
    if (tallest > 0) window.Plotly.relayout(div, { "yaxis.range": [0, tallest * 1.15] });
  });
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

// The next frame painted: what was drawn is on screen before the next long task runs.
function afterPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

// Draws every chart under `root` (its data in <script class="chart-data">): the ones on
// screen first, then `onVisible()` in the frame that shows them, then their range sliders
// and the others, one at a time, after that frame is painted.
export async function renderCharts(root, onVisible = () => {}) {
  const holders = [...root.querySelectorAll("script.chart-data")];
  if (!holders.length) {
    requestAnimationFrame(() => onVisible());
    return;
  }
  try {
    await plotlyReady();
  } catch (e) {
    sayNotLoaded(holders);
    return;
  }
  const first = holders.filter(onScreen);
  first.forEach((holder) => drawChart(holder, true));
  root.dataset.chartsVisible = "yes";
  requestAnimationFrame(() => onVisible());
  await afterPaint();
  for (const holder of first) {
    addSlider(holder);
    await sleep(0);
  }
  for (const holder of holders) {
    if (first.includes(holder)) continue;
    drawChart(holder);
    await sleep(0);
  }
  root.dataset.charts = "drawn";
  const body = root.querySelector("#dashboard-body");
  if (body?.dataset.wiki) localHeatmap(root, { wiki: body.dataset.wiki, title: body.dataset.title });
}

// The dashboard is "ready" (for people and for tests) in the frame that shows the charts
// on screen drawn; `times.dashboard` says when.
export function markReady(root) {
  const ready = () => {
    times.dashboard = performance.now();
    document.body.dataset.dashboard = "ready";
  };
  renderCharts(root, ready).then(() => {
    document.body.dataset.charts = "drawn";
  });
}
