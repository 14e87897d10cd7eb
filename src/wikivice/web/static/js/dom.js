// Building the page from data. Every string from the server reaches it through
// textContent or an attribute, never innerHTML (user names, summaries and titles are
// written by strangers).

// What a part of the page loaded on its own says of itself (`data-state`, read by tests).
export const LoadState = Object.freeze({ LOADING: "loading", LOADED: "loaded", FAILED: "failed" });

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The JSON body of a GET; an Error with the server's `detail` when it answers an error.
export async function getJson(url, init = {}) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, ...init });
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    body = null;
  }
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`;
    throw Object.assign(new Error(detail), { status: response.status });
  }
  return body;
}
