// The compare page: title suggestions in both boxes, and the chart of both articles.
import { renderCharts } from "./charts.js";
import { $, el, getJson, sleep } from "./dom.js";
import { formatNumber } from "./format.js";
import { urlFor } from "./urls.js";
import { JobStatus } from "./vocabulary.js";

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

// Articles not analysed yet: start their analyses (the same as the page's button), follow
// their jobs, and show the comparison once both are done.
const POLL_MS = 1000;

async function startAnalysis(notice, wiki) {
  const response = await fetch(urlFor("analyses"), {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ wiki, title: notice.dataset.title }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`);
  return body.job_url; // null: what is stored is current already
}

async function follow(notice, wiki) {
  const title = notice.dataset.title;
  let jobUrl = notice.dataset.jobUrl || (await startAnalysis(notice, wiki));
  while (jobUrl) {
    const job = await getJson(jobUrl);
    if (job.status === JobStatus.DONE) return;
    if (job.status !== JobStatus.QUEUED && job.status !== JobStatus.RUNNING) {
      throw new Error(job.message || job.error || `its analysis ended (${job.status})`);
    }
    const counts = job.total ? `${formatNumber(job.done)} of ${job.total_is_estimate ? "about " : ""}${formatNumber(job.total)} revisions` : `${formatNumber(job.done)} revisions`;
    notice.firstChild.textContent = `“${title}” is being analysed: ${counts}… `;
    await sleep(POLL_MS);
  }
}

async function analyseWhatIsMissing(pending) {
  const notices = [...pending.querySelectorAll(".not-analysed[data-title]")];
  if (!notices.length) return; // only invalid titles: nothing to analyse, nothing to wait for
  const form = $("#start-comparison", pending);
  if (form) form.hidden = true;
  const results = await Promise.allSettled(notices.map((n) => follow(n, pending.dataset.wiki)));
  const failed = results.map((r, i) => [r, notices[i]]).filter(([r]) => r.status === "rejected");
  for (const [r, notice] of failed) {
    notice.replaceChildren(`“${notice.dataset.title}” could not be analysed: ${r.reason.message}`);
  }
  if (!failed.length) window.location.reload();
}

const pending = $("#pending");
if (pending) analyseWhatIsMissing(pending);
