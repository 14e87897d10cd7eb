// The API's reference as ReDoc (/redoc): its standalone bundle from the fastapi-offline
// package, served by the app, started here rather than by an inline script. No search
// (its worker would come from a blob: URL, which the Content-Security-Policy refuses) and
// the system's fonts (ReDoc's own would come from Google).
const root = document.getElementById("redoc");
window.Redoc.init(
  root.dataset.openapiUrl,
  { disableSearch: true, theme: { typography: { fontFamily: "system-ui, sans-serif", headings: { fontFamily: "system-ui, sans-serif" } } } },
  root,
);
