// The job inspector (/admin): its list follows the inspector's event stream (a nudge
// each time any job changes) and reads its rows again (the server renders them: the same
// HTML as the page's own); a job's event log follows the job's event stream, each new
// event a row. Without JavaScript both work by reloading.
import { $, el, LoadState } from "./dom.js";
import { formatNumber } from "./format.js";
import { EventKind, TERMINAL_EVENT_KINDS } from "./vocabulary.js";

const FALLBACK_MS = 15000; // only while the stream is down: EventSource reconnects meanwhile
const SPACING_MS = 250; // a job's progress can nudge many times a second: a row a quarter-second is plenty

// Epoch seconds as `18:05:12.345 UTC` (as the server's `clock` filter writes them).
function clock(ts) {
  if (ts == null) return "–";
  return `${new Date(ts * 1000).toISOString().slice(11, 23)} UTC`;
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Reads the rows again, once per burst of nudges: at most one read in flight, and one
// more after it if nudges came meanwhile.
function rowsReader(holder, isBusy) {
  let reading = false;
  let again = false;
  let stale = false; // a nudge came while the tab was hidden
  const readOnce = async () => {
    const response = await fetch(holder.dataset.rowsUrl, { headers: { Accept: "text/html" } });
    if (!response.ok) {
      holder.dataset.state = LoadState.FAILED; // signed out, say: a reload shows why
      return;
    }
    const html = await response.text();
    if (!isBusy() && html !== holder.dataset.shown) {
      holder.innerHTML = html; // rendered by the server, autoescaped
      holder.dataset.shown = html;
    }
    holder.dataset.state = LoadState.LOADED;
    holder.dataset.refreshed = String(Number(holder.dataset.refreshed || 0) + 1);
  };
  const read = async () => {
    if (isBusy()) return;
    if (document.hidden) {
      stale = true;
      return;
    }
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        await readOnce();
        if (again) await pause(SPACING_MS);
      } while (again && !isBusy());
    } catch (e) {
      holder.dataset.state = LoadState.FAILED; // the next nudge (or reconnection) tries again
    } finally {
      reading = false;
    }
  };
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && stale) {
      stale = false;
      read();
    }
  });
  return read;
}

function followList(holder) {
  let busy = false; // a form of the list is being posted: leave it be
  holder.addEventListener("submit", () => {
    busy = true;
  });
  const read = rowsReader(holder, () => busy);
  let source = null;
  let fallback = null; // the slow poll, only while the stream is down
  const connect = () => {
    source = new EventSource(new URL(holder.dataset.streamUrl, document.baseURI).href);
    source.addEventListener("open", () => {
      clearInterval(fallback);
      fallback = null;
      holder.dataset.live = "yes";
      read(); // whatever changed while it was not connected (or since the page was made)
    });
    source.addEventListener(holder.dataset.changeEvent, read);
    source.addEventListener("error", () => {
      holder.dataset.live = "no";
      if (fallback === null) fallback = setInterval(poll, FALLBACK_MS);
    });
  };
  // A stream refused (signed out, too many open) is not retried by EventSource: try anew.
  const poll = () => {
    read();
    if (source.readyState === EventSource.CLOSED) connect();
  };
  connect();
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
