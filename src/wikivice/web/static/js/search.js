// The home page's search box: title suggestions as you type (the wiki's opensearch),
// chosen with the mouse or the arrow keys.
import { $ } from "./dom.js";
import { urlFor } from "./urls.js";

const PAUSE_MS = 150; // typing pause before asking the wiki

class Suggestions {
  constructor(form) {
    this.form = form;
    this.input = $("#title", form);
    this.wiki = $("#wiki", form);
    this.wikiUrl = $("#wiki-url", form); // "another wiki": wins over the picker when filled
    this.list = $("#suggestions", form);
    this.active = -1;
    this.lastQuery = "";
    this.controller = null;
  }

  wikiKey() {
    return (this.wikiUrl && this.wikiUrl.value.trim()) || this.wiki.value;
  }

  items() {
    return this.list.querySelectorAll("li");
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  }

  // The highlighted option is the input's active descendant: a screen reader reads it
  // while the focus stays in the box.
  highlight(index) {
    const items = this.items();
    items.forEach((li, i) => li.setAttribute("aria-selected", i === index ? "true" : "false"));
    this.active = index;
    if (index >= 0) {
      this.input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }

  choose(title) {
    this.input.value = title;
    this.close();
    this.form.requestSubmit();
  }

  show(titles) {
    this.list.replaceChildren();
    for (const [i, title] of titles.entries()) {
      const li = document.createElement("li");
      li.id = `suggestion-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = title;
      li.addEventListener("mousedown", (e) => {
        e.preventDefault();
        this.choose(title);
      });
      this.list.appendChild(li);
    }
    this.list.hidden = titles.length === 0;
    this.input.setAttribute("aria-expanded", titles.length ? "true" : "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  }

  async suggest() {
    const q = this.input.value.trim();
    if (q === this.lastQuery) return;
    this.lastQuery = q;
    if (!q) return this.show([]);
    if (this.controller) this.controller.abort();
    this.controller = new AbortController();
    try {
      const url = urlFor("suggestions", { wiki: this.wikiKey(), q });
      const response = await fetch(url, { signal: this.controller.signal });
      if (response.ok && this.input.value.trim() === q) this.show(await response.json());
    } catch (e) {
      if (e.name !== "AbortError") this.show([]);
    }
  }

  onKey(e) {
    const items = this.items();
    if (this.list.hidden || !items.length) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      this.highlight((this.active + 1) % items.length);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      this.highlight((this.active - 1 + items.length) % items.length);
    } else if (e.key === "Enter" && this.active >= 0) {
      e.preventDefault();
      this.choose(items[this.active].textContent);
    } else if (e.key === "Escape") {
      this.close();
    }
  }
}

// Wires the form; `onWikiChange(key)` runs when another wiki is picked.
export function initSearch(form, onWikiChange) {
  const box = new Suggestions(form);
  let timer = null;
  box.input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => box.suggest(), PAUSE_MS);
  });
  box.input.addEventListener("keydown", (e) => box.onKey(e));
  box.input.addEventListener("blur", () => setTimeout(() => box.close(), 100));
  box.wiki.addEventListener("change", () => {
    box.lastQuery = "";
    onWikiChange(box.wikiKey());
  });
  if (box.wikiUrl) {
    box.wikiUrl.addEventListener("change", () => {
      box.lastQuery = "";
      onWikiChange(box.wikiKey());
    });
  }
}
