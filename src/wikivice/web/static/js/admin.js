// The job inspector (/admin): its list refreshed every two seconds (the server renders
// it: the same HTML as the page's own), and a job's event log following the job's event
// stream, each new event a row. Without JavaScript both work by reloading.
import { $, el, LoadState } from "./dom.js";
import { formatNumber } from "./format.js";
import { EventKind, TERMINAL_EVENT_KINDS } from "./vocabulary.js";

const REFRESH_MS = 2000;

// Epoch seconds as `18:05:12.345 UTC` (as the server's `clock` filter writes them).
function clock(ts) {
  if (ts == null) return "–";
  return `${new Date(ts * 1000).toISOString().slice(11, 23)} UTC`;
}

function followList(holder) {
  let busy = false; // a form of the list is being posted: leave it be
  holder.addEventListener("submit", () => {
    busy = true;
  });
  const refresh = async () => {
    if (busy || document.hidden) return;
    try {
      const response = await fetch(holder.dataset.rowsUrl, { headers: { Accept: "text/html" } });
      if (!response.ok) {
        holder.dataset.state = LoadState.FAILED; // signed out, say: a reload shows why
        return;
      }
      const html = await response.text();
      if (!busy && html !== holder.dataset.shown) {
        holder.innerHTML = html; // rendered by the server, autoescaped
        holder.dataset.shown = html;
      }
      holder.dataset.state = LoadState.LOADED;
      holder.dataset.refreshed = String(Number(holder.dataset.refreshed || 0) + 1);
    } catch (e) {
      holder.dataset.state = LoadState.FAILED; // tried again in two seconds
    }
  };
  setInterval(refresh, REFRESH_MS);
}

function eventRow(seq, kind, data) {
  const revisions = data.total
    ? `${formatNumber(data.done || 0)} of ${formatNumber(data.total)}`
    : formatNumber(data.done || 0);
  const said = (data.error || data.message || "") + (data.cancelled_by ? ` (by the ${data.cancelled_by})` : "");
  const cells = [
    el("td", { className: "num", text: String(seq) }),
    el("td", {}, [el("span", { className: `kind kind-${kind}`, text: kind })]),
    el("td", { text: clock(data.at) }),
    el("td", { text: data.status }),
    el("td", { text: data.stage }),
    el("td", { className: "num", text: revisions }),
    el("td", { className: "num", text: String(data.attempts ?? "") }),
    el("td", { className: "why", text: said }),
  ];
  return el("tr", { id: `event-${seq}`, dataset: { kind } }, cells);
}

// The job's facts and actions as the server renders them now (its page, read again).
async function refreshFacts() {
  const facts = $("#job-facts");
  try {
    const response = await fetch(location.href, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const fresh = $("#job-facts", new DOMParser().parseFromString(await response.text(), "text/html"));
    if (fresh) facts.replaceChildren(...fresh.childNodes);
  } catch (e) {
    /* the next change of state tries again */
  }
}

function followLog(table) {
  const body = $("tbody", table);
  let last = Number(table.dataset.lastSeq || 0);
  const url = new URL(table.dataset.eventsUrl, document.baseURI);
  url.searchParams.set("after", String(last));
  const source = new EventSource(url.href);
  table.dataset.state = LoadState.LOADING; // following: more may come
  for (const kind of Object.values(EventKind)) {
    source.addEventListener(kind, (e) => {
      const seq = Number(e.lastEventId);
      if (seq <= last) return;
      last = seq;
      const data = JSON.parse(e.data);
      body.append(eventRow(seq, kind, data));
      table.dataset.lastSeq = String(seq);
      if (data.status !== table.dataset.status) refreshFacts(); // its state and actions
      table.dataset.status = data.status;
      if (TERMINAL_EVENT_KINDS.includes(kind)) {
        source.close();
        table.dataset.state = LoadState.LOADED; // the job ended: nothing more comes
      }
    });
  }
}

const list = $("#jobs[data-rows-url]");
if (list) {
  list.dataset.shown = list.innerHTML;
  followList(list);
}
const log = $("#event-log");
if (log) followLog(log);
