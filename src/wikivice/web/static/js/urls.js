// Our URLs, from the templates the server exports (web/urls.py via vocabulary.js).
import { URLS } from "./vocabulary.js";

// Each `{slot}` gets its value percent-encoded whole (encodeURIComponent), which is right
// in a path segment and in a query value alike: a title cannot add a segment or a field.
export function urlFor(name, values = {}) {
  const template = URLS[name];
  if (template === undefined) throw new Error(`no URL named ${name}`);
  return template.replace(/\{(\w+)\}/g, (_, slot) => {
    if (values[slot] == null) throw new Error(`the ${name} URL needs ${slot}`);
    return encodeURIComponent(values[slot]);
  });
}
