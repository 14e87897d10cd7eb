// The progress of the job fetching an article, live over Server-Sent Events; when it is
// done, the dashboard replaces it without a reload. The stream replays what the page
// missed (`?after=` the last event id), so a late or reconnecting page catches up.
import { $, sleep } from "./dom.js";
import { formatNumber, formatSeconds } from "./format.js";
import { times } from "./timing.js";
import { urlFor } from "./urls.js";
import {
  Canceller,
  EventKind,
  FINISHED_JOB_STATUSES,
  JobStatus,
  STAGE_LABELS,
  STOPPED_JOB_STATUSES,
  Stage,
  TERMINAL_EVENT_KINDS,
} from "./vocabulary.js";

const RECONNECT_MS = 1500;
const FRAGMENT_ATTEMPTS = 5;
// A partial dashboard (issue 11 part 3) is fetched again at most this often, and never
// sooner than a few times what the last one took: the server computes it afresh for each
// new batch, and the fetch it describes must not slow down for it.
const PARTIAL_MS = 3000;
const PARTIAL_COST_FACTOR = 4;
const PARTIAL_FIRST_MS = 400;
const PARTIAL_MIN_LEFT = 500; // revisions: one request's worth
// A queued job's place in line changes as others start, which are not its events: the
// page asks for it (GET /api/jobs/{id}: `place`, "3rd in line, about 20 s") this often.
const PLACE_POLL_MS = 2000;

const show = (view, kind, job) => view.render(kind, job);

// What the page does on each kind of event (every EventKind the server sends has one;
// a test holds this table against the server's list). Terminal kinds also end the stream.
export const HANDLERS = Object.freeze({
  [EventKind.QUEUED]: show,
  [EventKind.STARTED]: show,
  [EventKind.STAGE]: show,
  [EventKind.PROGRESS]: show,
  [EventKind.RETRYING]: show,
  [EventKind.WAITING]: show,
  [EventKind.REQUEUED]: (view, kind, job) =>
    view.render(kind, job, job.message || "The worker stopped; resuming where it left off…"),
  [EventKind.STALLED]: (view, kind, job) =>
    view.render(kind, job, "The worker stopped responding; resuming where it left off…"),
  [EventKind.DONE]: (view, kind, job) => {
    view.render(kind, job);
    view.showDashboard();
  },
  [EventKind.FAILED]: show,
  [EventKind.CANCELLED]: show,
  [EventKind.RESUMED]: show,
});

// While a job runs its bar stops short of full: an estimated total can be a little low,
// and the wiki's count can leave out a hidden revision or two.
const MAX_RUNNING_SHARE = 0.99;

// "1,200 of about 300,000 revisions · 3,000/s · about 1 min 40 s left", and the bar to
// match. A total past the wiki's count is estimated: "about", never "30,000+".
function describeCounts(job, bar, fill) {
  const total = job.total;
  const done = job.done || 0;
  let counts = "";
  const finished = FINISHED_JOB_STATUSES.includes(job.status);
  if (total && job.total_is_lower_bound && !job.total_is_estimate && !finished) {
    // Only a floor is known (the wiki's count stops at 30,000, and the walk has not seen
    // enough for an estimate): no share to draw. Drawn as one, 10,000 "of at least
    // 30,000" was a third, and the estimate that came next took the bar back to a tenth.
    counts =
      done < total
        ? `${formatNumber(done)} of at least ${formatNumber(total)} revisions`
        : `${formatNumber(done)} ${done === 1 ? "revision" : "revisions"} so far`;
    bar.classList.add("indeterminate");
    bar.removeAttribute("aria-valuemax");
  } else if (total) {
    const most = Math.max(total, done);
    let shownTotal = formatNumber(most);
    if (job.total_is_estimate) shownTotal = `about ${shownTotal}`;
    counts = `${formatNumber(done)} of ${shownTotal} ${most === 1 ? "revision" : "revisions"}`;
    bar.classList.remove("indeterminate");
    const share = Math.min(job.status === JobStatus.DONE ? 1 : MAX_RUNNING_SHARE, done / Math.max(most, 1));
    fill.style.width = `${(share * 100).toFixed(1)}%`;
    bar.setAttribute("aria-valuemax", String(most));
  } else {
    counts = done ? `${formatNumber(done)} ${done === 1 ? "revision" : "revisions"}` : "";
    bar.classList.toggle("indeterminate", !finished);
    if (job.status === JobStatus.DONE) fill.style.width = "100%";
  }
  bar.setAttribute("aria-valuenow", String(done));
  if (job.rate) counts += ` · ${formatNumber(Math.round(job.rate))}/s`;
  if (job.eta) counts += ` · about ${formatSeconds(job.eta)} left`;
  return counts;
}

// "Cancelled by you after 6,500 of about 50,000 edits" (as web/routes/control.py says it).
export function cancelledNote(job, startedIt) {
  let by = startedIt ? "you" : "the person who started it";
  if (job.cancelled_by === Canceller.OPERATOR) by = "the operator";
  const done = job.done || 0;
  let of = "";
  if (job.total) {
    const about = job.total_is_estimate ? "about " : job.total_is_lower_bound ? "at least " : "";
    of = ` of ${about}${formatNumber(Math.max(job.total, done))}`;
  }
  return `Cancelled by ${by} after ${formatNumber(done)}${of} edits`;
}

class ProgressView {
  constructor(section, { onStreamOpen, onDashboard, onPartial }) {
    this.section = section;
    this.onStreamOpen = onStreamOpen;
    this.onDashboard = onDashboard;
    this.onPartial = onPartial;
    // Only a page with no complete dashboard shows the partial one (a refresh keeps the
    // stale dashboard on screen instead).
    this.partials = section.dataset.stale !== "yes" && Boolean(onPartial);
    this.partialTimer = null;
    this.partialBusy = false;
    this.partialGap = PARTIAL_MS;
    this.openedAt = performance.now();
    // One rendered with the page: its ETag, and no new one before the usual gap.
    const shown = $("#dashboard-body");
    this.partialTag = shown?.dataset.partial ? shown.dataset.tag : null;
    this.partialAt = this.partialTag ? performance.now() : 0;
    this.streamOpened = false;
    this.stage = $("#progress-stage", section);
    this.counts = $("#progress-counts", section);
    this.bar = $("#progress-bar", section);
    this.fill = $(".fill", this.bar);
    this.message = $("#progress-message", section);
    this.place = $("#progress-place", section);
    this.placeTimer = null;
    this.error = $("#progress-error", section);
    this.retryForm = $("#retry-form", section);
    this.retry = $("#retry", section);
    this.cancelled = $("#progress-cancelled", section);
    // Cancel and Resume: only on the page of whoever started the job (or the operator).
    this.cancelForm = $("#cancel-form", section);
    this.resumeForm = $("#resume-form", section);
    this.lastSeq = 0;
    this.source = null;
    this.reconnectTimer = null;
    this.finished = false;
    // Without JavaScript the form posts and the page reloads with the new job; here the
    // same request goes to the API and the stream starts on this page.
    this.retryForm.addEventListener("submit", (e) => {
      e.preventDefault();
      this.restart();
    });
    this.cancelForm?.addEventListener("submit", (e) => {
      e.preventDefault();
      this.control(this.cancelForm, "Cancelling…");
    });
    this.resumeForm?.addEventListener("submit", (e) => {
      e.preventDefault();
      this.control(this.resumeForm, "Resuming…");
    });
    const initial = $("#job-data", section);
    if (initial) this.render("initial", JSON.parse(initial.textContent));
  }

  start(eventsUrl) {
    this.eventsUrl = eventsUrl;
    this.finished = false;
    this.connect();
  }

  connect() {
    if (this.source) this.source.close();
    const url = new URL(this.eventsUrl, document.baseURI);
    if (this.lastSeq) url.searchParams.set("after", String(this.lastSeq));
    const source = new EventSource(url.href);
    this.source = source;
    for (const kind of Object.values(EventKind)) {
      source.addEventListener(kind, (e) => this.onEvent(kind, e));
    }
    source.onopen = () => this.section.classList.remove("disconnected");
    source.onerror = () => this.onStreamError(source);
  }

  onStreamError(source) {
    if (this.finished) return;
    this.section.classList.add("disconnected");
    this.message.textContent = "Lost the connection to the server; reconnecting…";
    // EventSource retries by itself after network errors; if it gave up, we do it.
    if (source.readyState === EventSource.CLOSED) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = setTimeout(() => this.connect(), RECONNECT_MS);
    }
  }

  onEvent(kind, e) {
    times.firstEvent ??= performance.now();
    const seq = Number(e.lastEventId);
    if (seq && seq <= this.lastSeq) return;
    if (seq) this.lastSeq = seq;
    const job = JSON.parse(e.data);
    if (TERMINAL_EVENT_KINDS.includes(kind)) this.finish();
    if (this.followLookUp(kind, job)) return;
    (HANDLERS[kind] ?? show)(this, kind, job);
    if (!this.streamOpened) {
      this.streamOpened = true;
      setTimeout(this.onStreamOpen, 0); // after this event is on screen
    }
  }

  // A title asked through the search form is looked up by its job (jobs/asked.py): when
  // the wiki calls the page otherwise (a redirect, another spelling) the page goes to the
  // page's own address, where the same job goes on (or the page's own job, `joined`);
  // when the wiki has no such article the server's page says so, with its suggestions.
  followLookUp(kind, job) {
    const moved = job.title && job.title !== this.section.dataset.title;
    const missing = kind === EventKind.FAILED && job.missing;
    if (!moved && !missing && !job.joined) return false;
    this.finish();
    let target = window.location.href;
    if (moved) {
      target = urlFor("article", { wiki: this.section.dataset.wiki, title: job.title.replaceAll(" ", "_") });
      if (job.redirected_from) target += `?redirected_from=${encodeURIComponent(job.redirected_from)}`;
    }
    window.location.replace(target);
    return true;
  }

  finish() {
    this.finished = true;
    if (this.source) this.source.close();
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.placeTimer);
  }

  // While the job is queued: its place in line, kept until the next look (events do not
  // carry it), and looked up again every PLACE_POLL_MS.
  showPlace(job) {
    const queued = job.status === JobStatus.QUEUED;
    if (job.place) this.place.textContent = job.place;
    this.place.hidden = !queued || !this.place.textContent;
    clearTimeout(this.placeTimer);
    if (queued && !this.finished && this.section.dataset.jobUrl) {
      this.placeTimer = setTimeout(() => this.lookUpPlace(), PLACE_POLL_MS);
    }
  }

  async lookUpPlace() {
    try {
      const response = await fetch(this.section.dataset.jobUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const job = await response.json();
        if (this.section.dataset.status === JobStatus.QUEUED) this.showPlace(job);
        return;
      }
    } catch (e) {
      /* looked up again below */
    }
    this.showPlace({ status: this.section.dataset.status });
  }

  render(kind, job, message = null) {
    this.section.dataset.status = job.status;
    this.section.dataset.lastEvent = kind;
    this.stage.textContent = STAGE_LABELS[job.stage] || job.stage;
    this.counts.textContent = describeCounts(job, this.bar, this.fill);
    this.message.textContent = message || job.message || "";
    this.showPlace(job);
    this.section.classList.remove("disconnected");
    const failed = job.status === JobStatus.FAILED;
    const cancelled = job.status === JobStatus.CANCELLED;
    this.error.hidden = !failed;
    // Try again: after a failure, or for a visitor who cannot resume a cancelled job.
    this.retryForm.hidden = !(failed || (cancelled && !this.resumeForm));
    if (failed) {
      this.error.textContent = `Failed: ${job.error || "unknown error"}`;
      this.bar.classList.remove("indeterminate");
    }
    this.cancelled.hidden = !cancelled;
    if (cancelled) {
      const mine = this.section.dataset.startedIt === "yes";
      const next = this.resumeForm ? "; resume to fetch the rest." : ".";
      this.cancelled.textContent = cancelledNote(job, mine) + next;
    }
    if (this.cancelForm) this.cancelForm.hidden = FINISHED_JOB_STATUSES.includes(job.status);
    if (this.resumeForm) this.resumeForm.hidden = !cancelled;
    this.showPartialWords();
    // A partial view is worth its cost when more than a batch is left to fetch (or the
    // job failed): a job about to end brings its whole dashboard instead.
    const left = job.total ? job.total - job.done : 0;
    const worth = left > PARTIAL_MIN_LEFT || job.status === JobStatus.FAILED || cancelled;
    if (job.done > 0 && worth && job.status !== JobStatus.DONE && kind !== "initial") this.schedulePartial();
  }

  // Cancel or Resume through the API, staying on this page: a cancelled job's stream
  // ends with its last event; a resumed one is followed again from where it was.
  async control(form, saying) {
    const button = $("button", form);
    button.disabled = true;
    this.message.textContent = saying;
    try {
      const response = await fetch(form.dataset.api, { method: "POST", headers: { Accept: "application/json" } });
      const body = await response.json();
      if (!response.ok) {
        this.message.textContent = body.detail || `HTTP ${response.status}`;
        return;
      }
      const resumed = form === this.resumeForm;
      this.render(resumed ? EventKind.RESUMED : EventKind.CANCELLED, body);
      if (resumed) {
        // Followed from its newest event on (what came before, the cancellation that
        // would end the stream included, is on the page already), whatever its status:
        // a worker may have taken it (or even finished it) before this answer was read.
        this.lastSeq = Math.max(this.lastSeq, body.events - 1);
        this.start(body.events_url);
      }
    } catch (e) {
      this.message.textContent = "The server did not answer; please try again.";
    } finally {
      button.disabled = false;
    }
  }

  // A partial dashboard's notice in the words of the job's status now: the fragment
  // holds both (web/dashboards.py's PartialNotice), rendered when the job's status may
  // have been another, and Cancel or Resume changes it before the next one comes.
  showPartialWords() {
    const notice = $("#partial-notice");
    if (!notice) return;
    const stopped = STOPPED_JOB_STATUSES.includes(this.section.dataset.status);
    $("#partial-running", notice).hidden = stopped;
    $("#partial-stopped", notice).hidden = !stopped;
  }

  // The dashboard of what is stored so far, fetched again as batches arrive (throttled);
  // a failed job's last one stays on screen beside its reason.
  schedulePartial() {
    if (!this.partials || this.partialTimer || this.section.dataset.swapped) return;
    // The first one waits a moment: a history of a few hundred more revisions is
    // complete by then, and its whole dashboard comes instead.
    const next = this.partialAt ? this.partialAt + this.partialGap : this.openedAt + PARTIAL_FIRST_MS;
    this.partialTimer = setTimeout(() => this.loadPartial(), Math.max(0, next - performance.now()));
  }

  async loadPartial() {
    if (this.partialBusy) {
      this.partialTimer = null;
      return this.schedulePartial();
    }
    this.partialBusy = true;
    const started = performance.now();
    try {
      const response = await fetch(this.section.dataset.fragmentUrl, { headers: { Accept: "text/html" } });
      const tag = response.headers.get("ETag");
      const body = response.ok ? await response.text() : null;
      // The complete dashboard, once swapped in, is never replaced by a partial one.
      if (body !== null && tag !== this.partialTag && !this.section.dataset.swapped) {
        const target = $("#dashboard");
        delete target.dataset.chartsVisible; // the new charts are not drawn yet
        target.innerHTML = body; // rendered by the server, autoescaped
        this.partialTag = tag;
        this.showPartialWords();
        this.onPartial(target);
      }
    } catch (e) {
      /* the next batch tries again */
    } finally {
      const took = performance.now() - started;
      this.partialAt = performance.now();
      this.partialGap = Math.max(PARTIAL_MS, PARTIAL_COST_FACTOR * took);
      this.partialBusy = false;
      this.partialTimer = null;
    }
  }

  async showDashboard() {
    const url = this.section.dataset.fragmentUrl;
    for (let attempt = 0; attempt < FRAGMENT_ATTEMPTS; attempt++) {
      try {
        const response = await fetch(url, { headers: { Accept: "text/html" } });
        if (response.ok) {
          const target = $("#dashboard");
          const html = await response.text();
          delete target.dataset.chartsVisible; // the new charts are not drawn yet
          target.innerHTML = html; // rendered by the server, autoescaped
          this.section.hidden = true;
          this.section.dataset.swapped = "yes";
          this.onDashboard(target);
          return;
        }
      } catch (e) {
        /* retried below */
      }
      await sleep(500 * (attempt + 1));
    }
    this.message.textContent = "The history is stored, but the dashboard did not load: reload the page.";
  }

  fail(error) {
    this.render(EventKind.FAILED, { status: JobStatus.FAILED, stage: Stage.FAILED, done: 0, error });
  }

  async restart() {
    this.retry.disabled = true;
    this.error.hidden = true;
    this.message.textContent = "Starting again…";
    try {
      const response = await fetch(urlFor("analyses"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ wiki: this.section.dataset.wiki, title: this.section.dataset.title }),
      });
      const body = await response.json();
      if (response.status === 200) {
        this.finished = true;
        await this.showDashboard();
      } else if (response.status === 202) {
        this.lastSeq = 0;
        if (body.job_url) this.section.dataset.jobUrl = body.job_url;
        this.start(body.events_url);
      } else {
        this.fail(body.detail);
      }
    } catch (e) {
      this.fail("the server did not answer");
    } finally {
      this.retry.disabled = false;
    }
  }
}

// Shows the job of `section` (#progress) and follows it unless it already finished.
// `onStreamOpen()` runs after the first event is shown (the time to fetch what the
// dashboard will need, and not before: it would hold up that event); `onDashboard(holder)`
// once the dashboard is swapped into `holder`; `onPartial(holder)` each time a partial
// dashboard (of the revisions stored so far) is.
export function initProgress(section, hooks) {
  const view = new ProgressView(section, hooks);
  if (!FINISHED_JOB_STATUSES.includes(section.dataset.status)) {
    view.start(section.dataset.eventsUrl);
  }
  return view;
}
