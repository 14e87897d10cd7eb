// The home page: the search box and the wiki's recent changes.
import { $ } from "./dom.js";
import { loadRecentChanges } from "./recent-changes.js";
import { initSearch } from "./search.js";

const recent = $("#recent-changes");
initSearch($("#search"), (wiki) => loadRecentChanges(recent, wiki));
loadRecentChanges(recent, recent.dataset.wiki);
