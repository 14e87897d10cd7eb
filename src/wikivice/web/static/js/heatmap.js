// The "when people edit" heatmap in the reader's own time zone: the server draws it in
// UTC; this asks the heatmap API for the browser's zone (daylight saving time and all)
// and redraws it, with a switch back to UTC. Nothing changes for a reader in UTC.
import { $, el, getJson } from "./dom.js";
import { urlFor } from "./urls.js";

const UTC = "UTC";

function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || UTC;
  } catch (e) {
    return UTC;
  }
}

async function showIn(chart, page, zone, caption) {
  const heat = await getJson(urlFor("heatmap", { ...page, zone }));
  const label = zone === UTC ? "UTC" : `${zone} time`;
  window.Plotly.update(
    chart,
    { z: [heat.edits], hovertemplate: [`%{y} %{x}:00–%{x}:59 ${label}: %{z:,} edits<extra></extra>`] },
    { "xaxis.title.text": `hour of day (${label})` },
  );
  caption.textContent = `Each cell: edits made on that weekday in that hour (${label}).`;
  chart.dataset.zone = heat.zone;
}

function switchButton(zone, pressed, onPress) {
  const button = el("button", { type: "button", text: zone === UTC ? "UTC" : `Your time (${zone})` });
  button.setAttribute("aria-pressed", String(pressed));
  button.addEventListener("click", onPress);
  return button;
}

// Called once the dashboard's charts are drawn (charts.js draws the heatmap in UTC).
export function localHeatmap(root, page) {
  const chart = $("#chart-activity_heatmap", root);
  const card = $("#card-activity_heatmap", root);
  const zone = browserZone();
  if (!chart || !card || !chart.dataset.rendered || zone === UTC || chart.dataset.zone) return;
  const caption = $(".chart-caption", card) || card.insertBefore(el("p", { className: "chart-caption muted" }), chart);
  const switches = el("div", { className: "zone-switch", role: "group", "aria-label": "Time zone of the heatmap" });
  const choose = (wanted) => async () => {
    for (const b of switches.children) b.setAttribute("aria-pressed", String(b.dataset.zone === wanted));
    try {
      await showIn(chart, page, wanted, caption);
    } catch (e) {
      caption.textContent = `Could not load the heatmap in ${wanted} time: ${e.message}`;
    }
  };
  const mine = switchButton(zone, true, choose(zone));
  mine.dataset.zone = zone;
  const utc = switchButton(UTC, false, choose(UTC));
  utc.dataset.zone = UTC;
  switches.append(mine, utc);
  card.insertBefore(switches, caption);
  chart.dataset.zone = "pending";
  choose(zone)();
}
