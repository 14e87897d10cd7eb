// WikiVice in the browser: search suggestions, live progress over SSE, chart rendering.
// Every string from the server reaches the page through textContent, never innerHTML,
// except the dashboard fragment, which the server rendered with autoescaping.
"use strict";

// When things happened on this page (performance.now() ms), for people measuring it.
window.wikiviceTimes = {};

const STAGES = {
  queued: "Waiting for a worker",
  started: "Starting",
  resolving: "Looking up the article",
  counting: "Counting revisions",
  fetching: "Fetching revisions",
  storing: "Storing",
  analysing: "Analysing",
  done: "Done",
  failed: "Failed",
};

function $(selector, root = document) {
  return root.querySelector(selector);
}

function formatNumber(n) {
  return Number(n).toLocaleString("en-US");
}

function formatSeconds(s) {
  if (s == null || !isFinite(s)) return "";
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

// ---------------------------------------------------------------- search box
function initSearch() {
  const form = $("#search");
  if (!form) return;
  const input = $("#title", form);
  const wiki = $("#wiki", form);
  const list = $("#suggestions", form);
  const random = $("#random");
  let timer = null;
  let active = -1;
  let lastQuery = "";
  let controller = null;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    active = -1;
  }

  function highlight(index) {
    const items = list.querySelectorAll("li");
    items.forEach((li, i) => li.setAttribute("aria-selected", i === index ? "true" : "false"));
    active = index;
  }

  function show(titles) {
    list.replaceChildren();
    for (const title of titles) {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.textContent = title;
      li.addEventListener("mousedown", (e) => {
        e.preventDefault();
        input.value = title;
        close();
        form.requestSubmit();
      });
      list.appendChild(li);
    }
    list.hidden = titles.length === 0;
    input.setAttribute("aria-expanded", titles.length ? "true" : "false");
    active = -1;
  }

  async function suggest() {
    const q = input.value.trim();
    if (q === lastQuery) return;
    lastQuery = q;
    if (!q) return show([]);
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const url = `/api/wikis/${encodeURIComponent(wiki.value)}/suggestions?q=${encodeURIComponent(q)}`;
      const response = await fetch(url, { signal: controller.signal });
      if (response.ok && input.value.trim() === q) show(await response.json());
    } catch (e) {
      if (e.name !== "AbortError") show([]);
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  input.addEventListener("keydown", (e) => {
    const items = list.querySelectorAll("li");
    if (list.hidden || !items.length) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      highlight((active + 1) % items.length);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      highlight((active - 1 + items.length) % items.length);
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      input.value = items[active].textContent;
      close();
      form.requestSubmit();
    } else if (e.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
  wiki.addEventListener("change", () => {
    lastQuery = "";
    random.href = `/random?wiki=${encodeURIComponent(wiki.value)}`;
    loadRecentChanges(wiki.value);
  });
}

async function loadRecentChanges(wikiKey) {
  const list = $("#recent-changes");
  if (!list) return;
  const wiki = wikiKey || list.dataset.wiki;
  $("#recent-wiki").textContent = wiki;
  try {
    const response = await fetch(`/api/wikis/${encodeURIComponent(wiki)}/recent-changes?limit=12`);
    if (!response.ok) throw new Error(String(response.status));
    const changes = await response.json();
    list.replaceChildren();
    const seen = new Set();
    for (const change of changes) {
      if (seen.has(change.title)) continue;
      seen.add(change.title);
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = `/search?wiki=${encodeURIComponent(wiki)}&title=${encodeURIComponent(change.title)}`;
      a.textContent = change.title;
      li.appendChild(a);
      if (change.user) {
        const who = document.createElement("span");
        who.className = "muted";
        who.textContent = ` by ${change.user}`;
        li.appendChild(who);
      }
      list.appendChild(li);
    }
    if (!list.children.length) list.textContent = "No recent edits.";
  } catch (e) {
    list.textContent = "The wiki's recent changes are not available right now.";
  }
}

// ---------------------------------------------------------------- progress
class ProgressView {
  constructor(section) {
    this.section = section;
    this.stage = $("#progress-stage", section);
    this.counts = $("#progress-counts", section);
    this.bar = $("#progress-bar", section);
    this.fill = $(".fill", this.bar);
    this.message = $("#progress-message", section);
    this.error = $("#progress-error", section);
    this.retry = $("#retry", section);
    this.lastSeq = 0;
    this.source = null;
    this.reconnectTimer = null;
    this.finished = false;
    this.retry.addEventListener("click", () => this.restart());
    const initial = $("#job-data", section);
    if (initial) this.render("initial", JSON.parse(initial.textContent));
  }

  start(eventsUrl) {
    this.eventsUrl = eventsUrl;
    this.finished = false;
    this.connect();
  }

  connect() {
    if (this.source) this.source.close();
    const sep = this.eventsUrl.includes("?") ? "&" : "?";
    const url = this.lastSeq ? `${this.eventsUrl}${sep}after=${this.lastSeq}` : this.eventsUrl;
    const source = new EventSource(url);
    this.source = source;
    for (const kind of ["queued", "started", "stage", "progress", "retrying", "requeued", "stalled", "waiting", "done", "failed"]) {
      source.addEventListener(kind, (e) => this.onEvent(kind, e));
    }
    source.onopen = () => this.section.classList.remove("disconnected");
    source.onerror = () => {
      if (this.finished) return;
      this.section.classList.add("disconnected");
      this.message.textContent = "Lost the connection to the server; reconnecting…";
      // EventSource retries by itself after network errors; if it gave up, we do it.
      if (source.readyState === EventSource.CLOSED) {
        clearTimeout(this.reconnectTimer);
        this.reconnectTimer = setTimeout(() => this.connect(), 1500);
      }
    };
  }

  onEvent(kind, e) {
    window.wikiviceTimes.firstEvent ??= performance.now();
    const seq = Number(e.lastEventId);
    if (seq && seq <= this.lastSeq) return;
    if (seq) this.lastSeq = seq;
    const data = JSON.parse(e.data);
    this.render(kind, data);
    setTimeout(loadPlotly, 0);  // the stream is open: time to fetch the charts' script
    if (kind === "done") {
      this.finish();
      this.showDashboard();
    } else if (kind === "failed") {
      this.finish();
    }
  }

  finish() {
    this.finished = true;
    if (this.source) this.source.close();
    clearTimeout(this.reconnectTimer);
  }

  render(kind, job) {
    this.section.dataset.status = job.status;
    this.section.dataset.lastEvent = kind;
    this.stage.textContent = STAGES[job.stage] || job.stage;
    const total = job.total;
    const done = job.done || 0;
    let counts = "";
    if (total) {
      const shownTotal = job.total_is_lower_bound && done <= total ? `${formatNumber(total)}+` : formatNumber(Math.max(total, done));
      counts = `${formatNumber(done)} of ${shownTotal} revisions`;
      const ratio = Math.min(1, done / Math.max(total, done, 1));
      this.bar.classList.remove("indeterminate");
      this.fill.style.width = `${(ratio * 100).toFixed(1)}%`;
      this.bar.setAttribute("aria-valuemax", String(Math.max(total, done)));
    } else {
      counts = done ? `${formatNumber(done)} revisions` : "";
      this.bar.classList.toggle("indeterminate", job.status !== "done");
      if (job.status === "done") this.fill.style.width = "100%";
    }
    this.bar.setAttribute("aria-valuenow", String(done));
    if (job.rate) counts += ` · ${formatNumber(Math.round(job.rate))}/s`;
    if (job.eta) counts += ` · about ${formatSeconds(job.eta)} left`;
    this.counts.textContent = counts;
    const messages = {
      stalled: "The worker stopped responding; resuming where it left off…",
      requeued: job.message || "The worker stopped; resuming where it left off…",
    };
    this.message.textContent = messages[kind] || job.message || "";
    this.section.classList.remove("disconnected");
    if (job.status === "failed") {
      this.error.hidden = false;
      this.error.textContent = `Failed: ${job.error || "unknown error"}`;
      this.retry.hidden = false;
      this.bar.classList.remove("indeterminate");
    } else {
      this.error.hidden = true;
      this.retry.hidden = true;
    }
  }

  async showDashboard() {
    const url = this.section.dataset.fragmentUrl;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const response = await fetch(url, { headers: { Accept: "text/html" } });
        if (response.ok) {
          const target = $("#dashboard");
          target.innerHTML = await response.text();
          this.section.hidden = true;
          this.section.dataset.swapped = "yes";
          markReady(target);
          return;
        }
      } catch (e) {
        /* retried below */
      }
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
    this.message.textContent = "The history is stored, but the dashboard did not load: reload the page.";
  }

  async restart() {
    this.retry.disabled = true;
    this.error.hidden = true;
    this.message.textContent = "Starting again…";
    try {
      const response = await fetch("/api/analyses", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ wiki: this.section.dataset.wiki, title: this.section.dataset.title }),
      });
      const body = await response.json();
      if (response.status === 200) {
        this.finished = true;
        await this.showDashboard();
      } else if (response.status === 202) {
        this.lastSeq = 0;
        this.start(body.events_url);
      } else {
        this.render("failed", { status: "failed", stage: "failed", done: 0, error: body.detail });
      }
    } catch (e) {
      this.render("failed", { status: "failed", stage: "failed", done: 0, error: "the server did not answer" });
    } finally {
      this.retry.disabled = false;
    }
  }
}

function initProgress() {
  const section = $("#progress");
  if (!section) return;
  const view = new ProgressView(section);
  if (section.dataset.status !== "failed" && section.dataset.status !== "done") {
    view.start(section.dataset.eventsUrl);
  }
  window.wikiviceProgress = view;
}

// ---------------------------------------------------------------- charts
// plotly.min.js (4.7 MB) loads `async`, off the path to the progress bar; charts wait
// for it. Charts on screen are drawn first, the others one by one right after, so the
// dashboard is readable without waiting for all twelve.
function loadPlotly() {
  // A progress page fetches it only once its stream is open: parsing 4.7 MB of script
  // would otherwise hold up the page and its first event.
  let script = document.getElementById("plotly-js");
  if (!script) {
    script = document.createElement("script");
    script.id = "plotly-js";
    script.src = "/static/vendor/plotly.min.js";
    script.async = true;
    document.head.appendChild(script);
  }
  return script;
}

function plotlyReady() {
  if (typeof Plotly !== "undefined") return Promise.resolve();
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
  Plotly.newPlot(target, figure.data || [], figure.layout || {}, config);
  target.dataset.rendered = "yes";
}

function onScreen(holder) {
  const target = document.getElementById(holder.dataset.for);
  if (!target) return false;
  const box = target.getBoundingClientRect();
  return box.bottom > 0 && box.top < window.innerHeight;
}

async function renderCharts(root) {
  const holders = [...root.querySelectorAll("script.chart-data")];
  if (!holders.length) return;
  try {
    await plotlyReady();
  } catch (e) {
    for (const holder of holders) {
      const target = document.getElementById(holder.dataset.for);
      if (target) target.textContent = "The chart library did not load; reload the page.";
    }
    return;
  }
  const first = holders.filter(onScreen);
  first.forEach(drawChart);
  root.dataset.chartsVisible = "yes";
  for (const holder of holders) {
    if (first.includes(holder)) continue;
    await new Promise((resolve) => setTimeout(resolve, 0));
    drawChart(holder);
  }
  root.dataset.charts = "drawn";
}

// The dashboard is "ready" (for people and for tests) once the charts on screen are drawn.
function markReady(root) {
  renderCharts(root).then(() => {
    document.body.dataset.charts = "drawn";
  });
  const check = () => {
    if (root.dataset.chartsVisible || !root.querySelector("script.chart-data")) {
      window.wikiviceTimes.dashboard = performance.now();
      document.body.dataset.dashboard = "ready";
    } else {
      setTimeout(check, 10);
    }
  };
  check();
}

document.addEventListener("DOMContentLoaded", () => {
  initSearch();
  loadRecentChanges();
  initProgress();
  const dashboard = $("#dashboard");
  if (dashboard && dashboard.children.length) {
    if ($("#progress")) renderCharts(dashboard);  // stale figures while a refresh runs
    else markReady(dashboard);
  }
});
