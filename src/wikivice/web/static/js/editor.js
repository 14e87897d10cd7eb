// The editor page: each of their latest edits gets the "Show diff" of the article
// page's history (diffs.js), its diff asked of the article the edit was made in.
import { $ } from "./dom.js";
import { withDiff } from "./diffs.js";

const list = $("#editor-edits");
if (list) {
  for (const item of list.children) withDiff(item, { wiki: list.dataset.wiki, title: item.dataset.title });
}
