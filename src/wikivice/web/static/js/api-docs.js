// The API's reference (/docs): Swagger UI from the swagger-ui-bundle-v2 package, served by
// the app itself, and started here rather than by an inline script, so the page keeps
// the Content-Security-Policy of every other page (nothing from another origin).
const root = document.getElementById("swagger-ui");
window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  deepLinking: true,
  validatorUrl: null, // the public validator is another origin: never asked
});
