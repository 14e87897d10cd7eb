// "Just edited on …": the wiki's latest edited articles, each a link to its page here
// (its dashboard, or a button to analyse it).
import { $, el, getJson } from "./dom.js";
import { urlFor } from "./urls.js";

function changeItem(wiki, change) {
  const link = el("a", { href: urlFor("article", { wiki, title: change.title }), text: change.title });
  const who = change.user ? el("span", { className: "muted", text: ` by ${change.user}` }) : null;
  return el("li", {}, [link, who]);
}

export async function loadRecentChanges(list, wiki) {
  $("#recent-wiki").textContent = wiki;
  try {
    const changes = await getJson(urlFor("recentChanges", { wiki }));
    const seen = new Set();
    list.replaceChildren();
    for (const change of changes) {
      if (seen.has(change.title)) continue;
      seen.add(change.title);
      list.append(changeItem(wiki, change));
    }
    if (!list.children.length) list.textContent = "No recent edits.";
  } catch (e) {
    list.textContent = "The wiki's recent changes are not available right now.";
  }
}
