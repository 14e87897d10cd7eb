// An edit's diff, asked of the wiki (through our API) when its "Show diff" is pressed,
// shown as lines: the words a line gained or lost marked <ins> or <del>, all as text.
import { $, LoadState, el, getJson } from "./dom.js";
import { urlFor } from "./urls.js";

const MARKERS = { added: "+", removed: "−", context: " " };

function diffLine(line) {
  const marker = MARKERS[line.kind] || " ";
  const row = el("div", { className: `diff-line diff-${line.kind}`, dir: "auto" }, [
    el("span", { className: "diff-marker", "aria-hidden": "true", text: marker }),
  ]);
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
  return row;
}

function renderDiff(target, diff) {
  target.replaceChildren();
  if (diff.notice || diff.hidden) {
    target.append(el("p", { className: "muted diff-notice", text: diff.notice || "The text of this revision is hidden on the wiki." }));
    target.append(el("p", { className: "muted" }, [el("a", { href: diff.diff_url, rel: "noopener", text: "See this revision on the wiki" })]));
    return;
  }
  if (!diff.lines.length) {
    target.append(el("p", { className: "muted", text: "No change to the text (a move, a protection, or an empty edit)." }));
  }
  const table = el("div", { className: "diff-lines", role: "region", "aria-label": "Changes", tabindex: "0" });
  for (const line of diff.lines) {
    table.append(line.kind === "hunk" ? el("div", { className: "diff-hunk", text: line.text }) : diffLine(line));
  }
  target.append(table);
  if (diff.truncated) target.append(el("p", { className: "muted", text: "This diff is too long to show whole." }));
  target.append(el("p", { className: "muted" }, [el("a", { href: diff.diff_url, rel: "noopener", text: "See this diff on the wiki" })]));
}

// Opens or closes the diff of `edit` (of the article `page`: {wiki, title}) in `target`;
// loads it the first time.
export async function toggleDiff(button, target, page, edit) {
  const open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", open ? "false" : "true");
  button.textContent = open ? "Show diff" : "Hide diff";
  target.hidden = open;
  const state = target.dataset.state;
  if (open || state === LoadState.LOADED || state === LoadState.LOADING) return;
  target.dataset.state = LoadState.LOADING;
  target.replaceChildren(el("p", { className: "muted", text: "Loading the diff from the wiki…" }));
  try {
    renderDiff(target, await getJson(urlFor("diff", { ...page, revid: edit.revid })));
    target.dataset.state = LoadState.LOADED;
  } catch (e) {
    target.replaceChildren(el("p", { className: "diff-error", role: "alert", text: `The diff could not be loaded: ${e.message}` }));
    target.dataset.state = LoadState.FAILED;
  }
}

// A "Show diff" button on a listed edit (an `li` with `data-revid` and an `.edit-head`
// holding its `.wiki-diff` link, server-rendered or built by a script), the diff of that
// revision of `page` ({wiki, title}) loaded when it is first pressed.
export function withDiff(item, page) {
  const head = $(".edit-head", item);
  const diff = el("div", { className: "diff", hidden: "" });
  const toggle = el("button", { type: "button", className: "diff-toggle secondary", "aria-expanded": "false", text: "Show diff" });
  toggle.addEventListener("click", () => toggleDiff(toggle, diff, page, { revid: Number(item.dataset.revid) }));
  head.insertBefore(toggle, $(".wiki-diff", head));
  item.append(diff);
}
