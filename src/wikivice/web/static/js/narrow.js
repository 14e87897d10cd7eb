// Charts on a phone's narrow screen. The server lays every figure out for a wide card
// (figures/plotting.py); under NARROW px wide, plotly would give the plot what is left of
// ~320 px once legends, row labels and colour bars have theirs, ~60 px for a chart of
// editors. So before drawing, this moves legends and colour bars above and below the
// plot, shortens long tick labels and uses a smaller font; hover still shows names whole.
const NARROW = 600; // px

const FONT_SIZE = 11; // px, for 13 on wider screens
// Characters of a tick label (the server cuts names at 32): at 12, a chart of editors
// keeps a plot wide enough for its legend's entries in two columns.
const LABEL_MAX = 12;
const X_TICKS = 5; // at most, so that tick labels need not turn on their side

// Across the top of the chart, above the zoom buttons (which stay just above the plot).
// A legend placed in the "container" gets its own room: plotly pushes the plot down by
// its height, however many lines it wraps onto (in columns, within the plot's width).
const LEGEND = { orientation: "h", xref: "container", x: 0, xanchor: "left", yref: "container", y: 1, yanchor: "top" };
// Across the bottom of the chart, below the axis title, with the room it needs; its
// title beside it (plotly's side for a horizontal bar: "top" would lay it over the bar).
const COLORBAR = { orientation: "h", thickness: 10, len: 1, x: 0, xanchor: "left", yref: "container", y: 0, yanchor: "bottom" };

export function isNarrow() {
  return window.innerWidth < NARROW;
}

// Plotly text as the server escapes it (figures/plotting.py `label`): an entity such as
// `&amp;` counts as one character and is never cut in half.
function shortened(text) {
  const characters = String(text).match(/&(?:[a-z]+|#\d+);|[\s\S]/gu) || [];
  return characters.length > LABEL_MAX ? `${characters.slice(0, LABEL_MAX - 1).join("")}…` : String(text);
}

function narrowAxis(axis, name) {
  const narrow = { ...axis };
  if (axis.ticktext) narrow.ticktext = axis.ticktext.map(shortened);
  if (name.startsWith("xaxis") && axis.dtick === undefined) narrow.nticks = X_TICKS;
  return narrow;
}

function narrowColorbar(colorbar) {
  return { ...colorbar, ...COLORBAR, title: { ...colorbar.title, side: "right" } };
}

// `figure` ({data, layout}) as it reads best on a narrow screen; `figure` is not changed.
export function forNarrowScreens(figure) {
  const layout = { ...(figure.layout || {}) };
  layout.font = { ...layout.font, size: FONT_SIZE };
  if (layout.legend) layout.legend = LEGEND;
  for (const name of Object.keys(layout)) {
    if (/^[xy]axis\d*$/.test(name)) layout[name] = narrowAxis(layout[name], name);
  }
  const data = (figure.data || []).map((trace) => (trace.colorbar ? { ...trace, colorbar: narrowColorbar(trace.colorbar) } : trace));
  return { data, layout };
}
