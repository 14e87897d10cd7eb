// The compare page: title suggestions in both boxes, and the chart of both articles.
import { renderCharts } from "./charts.js";
import { $, el, getJson } from "./dom.js";
import { urlFor } from "./urls.js";

const PAUSE_MS = 150; // typing pause before asking the wiki

// Fills the <datalist> of `input` with titles of its wiki (`data-suggest`) as one types.
function suggestTitles(input) {
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
        const titles = await getJson(urlFor("suggestions", { wiki: input.dataset.suggest, q }));
        list.replaceChildren(...titles.map((t) => el("option", { value: t })));
      } catch (e) {
        list.replaceChildren();
      }
    }, PAUSE_MS);
  });
}

document.querySelectorAll("input[data-suggest]").forEach(suggestTitles);
const compare = $("#compare");
if (compare) renderCharts(compare);
