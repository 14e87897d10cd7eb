// Numbers, durations and dates as the pages write them (like the server's filters.py).

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function formatNumber(n) {
  return Number(n).toLocaleString("en-US");
}

export function formatSeconds(s) {
  if (s == null || !isFinite(s)) return "";
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

// Epoch seconds as `24 Nov 2023, 18:05 UTC`.
export function when(ts) {
  const d = new Date(ts * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

export function signed(n) {
  const shown = Math.abs(n).toLocaleString("en-US");
  return n > 0 ? `+${shown}` : n < 0 ? `−${shown}` : "0";
}
