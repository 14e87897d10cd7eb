// The history explorer (#history): the server renders its first page and a GET form that
// works alone; this filters and pages from the JSON API without a reload, keeps the
// address bar in step (so a page of it can be shared), and gives each row its diff.
import { $, LoadState, el, getJson } from "./dom.js";
import { withDiff } from "./diffs.js";
import { signed, when } from "./format.js";

// The filters of the form as a query string: blank fields left out.
function formQuery(form) {
  const query = new URLSearchParams();
  for (const [name, value] of new FormData(form)) if (value !== "") query.append(name, value);
  return query;
}

function summary(r) {
  if (r.comment_hidden) return el("p", { className: "comment muted", text: "(summary hidden)" });
  if (!r.summary.length) return el("p", { className: "comment muted", text: "(no summary)" });
  const parts = r.summary.map((p) =>
    p.href
      ? el("a", { className: p.section ? "autocomment" : "wikilink", href: p.href, rel: "noopener nofollow", text: p.text })
      : document.createTextNode(p.text),
  );
  return el("p", { className: "comment", dir: "auto" }, parts);
}

function editorOf(r) {
  if (r.user == null) return el("span", { className: "muted editor-hidden", text: "(hidden user)" });
  return el("a", { className: `editor kind-${r.kind}`, href: r.editor_url }, [el("bdi", { text: r.user })]);
}

function row(r) {
  const delta = r.delta > 0 ? "up" : r.delta < 0 ? "down" : "zero";
  const head = el("div", { className: "edit-head" }, [
    el("time", { datetime: r.timestamp, text: when(r.ts) }),
    editorOf(r),
    el("span", { className: `delta ${delta}`, title: `${r.size.toLocaleString("en-US")} bytes after`, text: signed(r.delta) }),
  ]);
  if (r.minor) head.append(el("span", { className: "badge badge-minor", title: "minor edit", text: "m" }));
  if (r.is_revert) head.append(el("span", { className: "badge badge-revert", text: "revert" }));
  if (r.reverted) head.append(el("span", { className: "badge badge-reverted", text: "reverted" }));
  for (const t of r.tags) head.append(el("span", { className: "tag", title: t.name, text: t.label }));
  head.append(el("a", { className: "wiki-diff", href: r.diff_url, rel: "noopener", text: "diff on the wiki" }));
  const classes = ["history-row", "edit", r.is_revert ? "is-revert" : "", r.reverted ? "is-reverted" : ""];
  return el("li", { className: classes.join(" ").trim(), dataset: { revid: String(r.revid) } }, [head, summary(r)]);
}

// What the list shows; a search a filter cut short (`searched_to`) says how far it read.
function statusText(body, filtered) {
  const rows = body.revisions;
  const further = body.searched_to
    ? ` Searched the revisions as far as ${when(Date.parse(body.searched_to) / 1000)}: more may match further on.`
    : "";
  if (!rows.length) return (filtered ? `No revision ${further ? "here " : ""}matches these filters.` : "No revisions here.") + further;
  const plural = rows.length === 1 ? "" : "s";
  const match = filtered ? " that match" : "";
  return `Showing ${rows.length} revision${plural}${match}, ${when(rows[0].ts)} back to ${when(rows.at(-1).ts)}.${further}`;
}

export function initHistory(section, page) {
  if (!section || section.dataset.ready) return;
  section.dataset.ready = "yes";
  const form = $("#history-form", section);
  const list = $("#history-list", section);
  const status = $("#history-status", section);
  const links = { newer: $("#history-newer", section), older: $("#history-older", section) };
  for (const item of list.children) withDiff(item, page);
  section.dataset.state = LoadState.LOADED;

  function setLink(link, token, name, query) {
    link.hidden = !token;
    if (!token) return;
    const next = new URLSearchParams(query);
    next.delete("before");
    next.delete("after");
    next.set(name, token);
    link.href = `${section.dataset.article}?${next}#history`;
    link.dataset.query = next.toString();
  }

  async function show(query) {
    section.dataset.state = LoadState.LOADING;
    section.setAttribute("aria-busy", "true");
    try {
      const body = await getJson(`${section.dataset.src}?${query}`);
      const filtered = [...query.keys()].some((k) => !["before", "after", "limit"].includes(k));
      list.replaceChildren(...body.revisions.map(row));
      for (const item of list.children) withDiff(item, page);
      status.textContent = statusText(body, filtered);
      status.classList.remove("notice");
      setLink(links.newer, body.newer, "after", query);
      setLink(links.older, body.older, "before", query);
      history.replaceState(null, "", `${section.dataset.article}${query.size ? `?${query}` : ""}#history`);
      section.dataset.state = LoadState.LOADED;
    } catch (e) {
      // 422: a filter the server refuses (it says which); 429 and the like: said as the
      // server says them; no answer at all: said so.
      if (e.status === 422) status.textContent = `These filters cannot be used: ${e.message}`;
      else if (e.status) status.textContent = e.message;
      else status.textContent = `The history could not be loaded (${e.message}); try again.`;
      status.classList.add("notice");
      section.dataset.state = LoadState.FAILED;
    } finally {
      section.removeAttribute("aria-busy");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show(formQuery(form));
  });
  for (const link of Object.values(links)) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      show(new URLSearchParams(link.dataset.query || new URL(link.href).search));
      section.scrollIntoView({ block: "start" });
    });
  }
  $("#history-clear", section).addEventListener("click", (event) => {
    event.preventDefault();
    form.reset();
    for (const field of form.elements) {
      if (field.type === "checkbox") field.checked = false;
      else if (field.name && field.name !== "limit") field.value = ""; // the page size stays
    }
    show(formQuery(form));
  });
}
