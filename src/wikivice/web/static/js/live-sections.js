// The dashboard's parts loaded after it is on screen, from the JSON API: the article's
// lead and its latest edits (with the latest revert or vandalism, its diff open); and the
// history explorer made live (history.js).
import { $, LoadState, el, getJson } from "./dom.js";
import { toggleDiff } from "./diffs.js";
import { initHistory } from "./history.js";
import { signed, when } from "./format.js";

const INCIDENT_TITLES = {
  revert: "Latest revert",
  vandalism: "Latest edit tagged as vandalism",
  reverted: "Latest edit that was undone",
};

async function loadExtract(section) {
  const target = $("#extract", section);
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
    section.dataset.state = LoadState.LOADED;
  } catch (e) {
    target.replaceChildren(el("p", { className: "muted", text: `The introduction is not available right now: ${e.message}` }));
    section.dataset.state = LoadState.FAILED;
  }
}

function editHead(edit) {
  const delta = edit.delta > 0 ? "up" : edit.delta < 0 ? "down" : "zero";
  const head = el("div", { className: "edit-head" }, [
    el("time", { datetime: edit.timestamp, text: when(edit.ts) }),
    edit.user == null
      ? el("span", { className: "muted editor-hidden", text: "(hidden user)" })
      : el("a", { className: `editor kind-${edit.kind}`, href: edit.editor_url }, [el("bdi", { text: edit.user })]),
    el("span", { className: `delta ${delta}`, text: signed(edit.delta), title: `${edit.size.toLocaleString("en-US")} bytes after` }),
  ]);
  if (edit.minor) head.append(el("span", { className: "badge badge-minor", title: "minor edit", text: "m" }));
  for (const badge of edit.badges) head.append(el("span", { className: `badge badge-${badge}`, text: badge }));
  edit.tags.forEach((tag, i) => head.append(el("span", { className: "tag", title: tag, text: (edit.tag_labels || [])[i] || tag })));
  return head;
}

function editComment(edit) {
  if (edit.comment_hidden) return el("p", { className: "comment muted", text: "(summary hidden)" });
  if (edit.summary && edit.summary.length) {
    // The summary's wikilinks and section as links to the wiki; the rest as text.
    const parts = edit.summary.map((p) =>
      p.href
        ? el("a", { className: p.section ? "autocomment" : "wikilink", href: p.href, rel: "noopener nofollow", text: p.text })
        : document.createTextNode(p.text),
    );
    return el("p", { className: "comment", dir: "auto" }, parts);
  }
  if (edit.comment) return el("p", { className: "comment", dir: "auto", text: edit.comment });
  return el("p", { className: "comment muted", text: "(no summary)" });
}

// One edit of `page` ({wiki, title}), with a button that shows its diff.
function editItem(page, edit) {
  const head = editHead(edit);
  const diff = el("div", { className: "diff", hidden: "" });
  const toggle = el("button", { type: "button", className: "diff-toggle secondary", "aria-expanded": "false", text: "Show diff" });
  toggle.addEventListener("click", () => toggleDiff(toggle, diff, page, edit));
  head.append(toggle, el("a", { className: "wiki-diff", href: edit.diff_url, rel: "noopener", text: "on the wiki" }));
  const classes = ["edit", ...edit.badges.map((b) => `is-${b}`)].join(" ");
  const item = el("li", { className: classes, dataset: { revid: String(edit.revid) } }, [head, editComment(edit), diff]);
  item.diffToggle = toggle;
  return item;
}

function incidentCard(card, page, incident) {
  const badges = incident.badges;
  const kind = badges.includes("revert") ? "revert" : badges.includes("vandalism") ? "vandalism" : "reverted";
  const item = editItem(page, incident);
  const children = [el("h3", { text: INCIDENT_TITLES[kind] })];
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

async function loadRecent(section, page) {
  const list = $("#recent-edits", section);
  const status = $("#recent-status", section);
  try {
    const data = await getJson(section.dataset.src);
    list.replaceChildren(...data.edits.map((edit) => editItem(page, edit)));
    status.hidden = true;
    if (data.incident) incidentCard($("#incident", section), page, data.incident);
    section.dataset.state = LoadState.LOADED;
  } catch (e) {
    status.textContent = `The latest edits could not be loaded: ${e.message}`;
    section.dataset.state = LoadState.FAILED;
  }
}

// Fills the live sections of a dashboard (#dashboard-body), once.
export function initLiveSections(root) {
  if (!root || root.dataset.live) return;
  root.dataset.live = "yes";
  const page = { wiki: root.dataset.wiki, title: root.dataset.title };
  const context = $("#context", root);
  if (context) loadExtract(context);
  const recent = $("#recent", root);
  if (recent) loadRecent(recent, page);
  initHistory($("#history", root), page);
}
