// WikiVice dashboard: the parts loaded after the page is on screen (the article's lead,
// its latest edits and their diffs), and the compare page's suggestions and chart.
// Every string from the server (user names, edit summaries, tags, diff text) reaches
// the page through textContent or an attribute, never innerHTML.
"use strict";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const INCIDENT_TITLES = {
  revert: "Latest revert",
  vandalism: "Latest edit tagged as vandalism",
  reverted: "Latest edit that was undone",
};

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function when(ts) {
  const d = new Date(ts * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

function signed(n) {
  const shown = Math.abs(n).toLocaleString("en-US");
  return n > 0 ? `+${shown}` : n < 0 ? `−${shown}` : "0";
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    body = null;
  }
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`;
    throw new Error(detail);
  }
  return body;
}

// ---------------------------------------------------------------- article context
async function loadExtract(section) {
  const target = section.querySelector("#extract");
  try {
    const data = await getJson(section.dataset.src);
    target.replaceChildren();
    if (data.extract) {
      for (const paragraph of data.extract.split(/\n+/)) {
        if (paragraph.trim()) target.append(el("p", { text: paragraph, dir: "auto" }));
      }
    } else {
      target.append(el("p", { className: "muted", text: "This wiki offers no introduction to show (it has no TextExtracts)." }));
    }
    section.dataset.state = "loaded";
  } catch (e) {
    target.replaceChildren(el("p", { className: "muted", text: `The introduction is not available right now: ${e.message}` }));
    section.dataset.state = "failed";
  }
}

// ---------------------------------------------------------------- recent activity
function editItem(edit, api) {
  const classes = ["edit", ...edit.badges.map((b) => `is-${b}`)];
  const head = el("div", { className: "edit-head" }, [
    el("time", { datetime: edit.timestamp, text: when(edit.ts) }),
    edit.user == null
      ? el("span", { className: "muted editor-hidden", text: "(hidden user)" })
      : el("a", { className: `editor kind-${edit.kind}`, href: edit.editor_url }, [el("bdi", { text: edit.user })]),
    el("span", { className: `delta ${edit.delta > 0 ? "up" : edit.delta < 0 ? "down" : "zero"}`, text: signed(edit.delta), title: `${edit.size.toLocaleString("en-US")} bytes after` }),
  ]);
  if (edit.minor) head.append(el("span", { className: "badge badge-minor", title: "minor edit", text: "m" }));
  for (const badge of edit.badges) head.append(el("span", { className: `badge badge-${badge}`, text: badge }));
  for (const tag of edit.tags) head.append(el("span", { className: "tag", text: tag }));
  const diff = el("div", { className: "diff", hidden: "" });
  const toggle = el("button", { type: "button", className: "diff-toggle secondary", "aria-expanded": "false", text: "Show diff" });
  toggle.addEventListener("click", () => toggleDiff(toggle, diff, edit, api));
  head.append(toggle, el("a", { className: "wiki-diff", href: edit.diff_url, rel: "noopener", text: "on the wiki" }));
  let comment;
  if (edit.comment_hidden) comment = el("p", { className: "comment muted", text: "(summary hidden)" });
  else if (edit.comment) comment = el("p", { className: "comment", dir: "auto", text: edit.comment });
  else comment = el("p", { className: "comment muted", text: "(no summary)" });
  const item = el("li", { className: classes.join(" "), dataset: { revid: String(edit.revid) } }, [head, comment, diff]);
  item.diffToggle = toggle;
  return item;
}

async function toggleDiff(button, target, edit, api) {
  const open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", open ? "false" : "true");
  button.textContent = open ? "Show diff" : "Hide diff";
  target.hidden = open;
  if (open || target.dataset.state === "loaded" || target.dataset.state === "loading") return;
  target.dataset.state = "loading";
  target.replaceChildren(el("p", { className: "muted", text: "Loading the diff from the wiki…" }));
  try {
    renderDiff(target, await getJson(`${api}/diffs/${edit.revid}`));
    target.dataset.state = "loaded";
  } catch (e) {
    target.replaceChildren(el("p", { className: "diff-error", role: "alert", text: `The diff could not be loaded: ${e.message}` }));
    target.dataset.state = "failed";
  }
}

function renderDiff(target, diff) {
  target.replaceChildren();
  if (diff.hidden) {
    target.append(el("p", { className: "muted", text: "The text of this revision is hidden on the wiki." }));
    return;
  }
  if (!diff.lines.length) {
    target.append(el("p", { className: "muted", text: "No change to the text (a move, a protection, or an empty edit)." }));
  }
  const table = el("div", { className: "diff-lines", role: "table", "aria-label": "Changes" });
  for (const line of diff.lines) {
    if (line.kind === "hunk") {
      table.append(el("div", { className: "diff-hunk", text: line.text }));
      continue;
    }
    const marker = { added: "+", removed: "−", context: " " }[line.kind] || " ";
    const row = el("div", { className: `diff-line diff-${line.kind}`, dir: "auto" }, [el("span", { className: "diff-marker", "aria-hidden": "true", text: marker })]);
    const body = el("span", { className: "diff-text" });
    if (line.segments && line.segments.some((s) => s.changed)) {
      const tag = line.kind === "added" ? "ins" : "del";
      for (const segment of line.segments) {
        body.append(segment.changed ? el(tag, { text: segment.text }) : document.createTextNode(segment.text));
      }
    } else {
      body.textContent = line.text || "\u00a0";
    }
    row.append(body);
    table.append(row);
  }
  target.append(table);
  if (diff.truncated) target.append(el("p", { className: "muted", text: "This diff is too long to show whole." }));
  target.append(el("p", { className: "muted" }, [el("a", { href: diff.diff_url, rel: "noopener", text: "See this diff on the wiki" })]));
}

function incidentCard(card, incident, api) {
  const kind = incident.badges.includes("revert") ? "revert" : incident.badges.includes("vandalism") ? "vandalism" : "reverted";
  const heading = el("h3", { text: INCIDENT_TITLES[kind] });
  const item = editItem(incident, api);
  const children = [heading];
  if (kind === "revert" && incident.undid && incident.undid.length) {
    const names = incident.undid.flatMap((who, i) => [
      i ? ", " : "",
      el("a", { className: "editor", href: who.editor_url }, [el("bdi", { text: who.name })]),
    ]);
    children.push(el("p", { className: "undid" }, ["Undid edits by ", ...names, "."]));
  }
  card.replaceChildren(...children, el("ol", { className: "edits" }, [item]));
  card.dataset.kind = kind;
  card.hidden = false;
  item.diffToggle.click(); // shown at once: what was fought over
}

async function loadRecent(section) {
  const api = section.closest("#dashboard-body").dataset.api;
  const list = section.querySelector("#recent-edits");
  const status = section.querySelector("#recent-status");
  try {
    const data = await getJson(section.dataset.src);
    list.replaceChildren(...data.edits.map((edit) => editItem(edit, api)));
    status.hidden = true;
    if (data.incident) incidentCard(section.querySelector("#incident"), data.incident, api);
    section.dataset.state = "loaded";
  } catch (e) {
    status.textContent = `The latest edits could not be loaded: ${e.message}`;
    section.dataset.state = "failed";
  }
}

function initDashboard(root) {
  if (!root || root.dataset.live) return;
  root.dataset.live = "yes";
  const context = root.querySelector("#context");
  if (context) loadExtract(context);
  const recent = root.querySelector("#recent");
  if (recent) loadRecent(recent);
}

// ---------------------------------------------------------------- compare page
function initCompare() {
  for (const input of document.querySelectorAll("input[data-suggest]")) {
    const list = document.getElementById(input.getAttribute("list"));
    let timer = null;
    let asked = "";
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value.trim();
        if (!q || q === asked) return;
        asked = q;
        try {
          const wiki = encodeURIComponent(input.dataset.suggest);
          const titles = await getJson(`/api/wikis/${wiki}/suggestions?q=${encodeURIComponent(q)}`);
          list.replaceChildren(...titles.map((t) => el("option", { value: t })));
        } catch (e) {
          list.replaceChildren();
        }
      }, 150);
    });
  }
  const compare = document.getElementById("compare");
  if (compare && typeof renderCharts === "function") renderCharts(compare);
}

document.addEventListener("DOMContentLoaded", () => {
  initDashboard(document.getElementById("dashboard-body"));
  initCompare();
  const holder = document.getElementById("dashboard");
  if (holder) {
    // app.js swaps the dashboard in when a fetch finishes: start its live parts then.
    new MutationObserver(() => initDashboard(document.getElementById("dashboard-body"))).observe(holder, { childList: true });
  }
});
