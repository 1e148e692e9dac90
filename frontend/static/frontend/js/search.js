/**
 * The search box: a WAI-ARIA 1.2 combobox with a listbox popup. Asks the search API as the user
 * types (debounced; a stale request is aborted and a late answer ignored), announces the count in a
 * polite live region, and hands the chosen GeoJSON feature to `onChoose`. Data goes in as text only.
 */

import { formatNumber, gettext, interpolate, label, lang, ngettext } from "./i18n.js";

const DEBOUNCE_MS = 200;
const LIMIT = 8;

/** Code-point length, as the server counts it (a JS string's length counts UTF-16 units). */
export const codePointLength = (text) => Array.from(text).length;

/**
 * `text` as DOM nodes with the `ranges` ([start, end) in code points) wrapped in <mark>.
 * Overlapping or out-of-range ranges are merged and clipped rather than trusted.
 */
export function highlightNodes(text, ranges = []) {
  const chars = Array.from(text ?? "");
  const spans = ranges
    .map(([start, end]) => [Math.max(0, start), Math.min(chars.length, end)])
    .filter(([start, end]) => start < end)
    .sort((a, b) => a[0] - b[0]);
  const nodes = [];
  let at = 0;
  for (const [start, end] of spans) {
    if (end <= at) continue;
    const from = Math.max(start, at);
    if (from > at) nodes.push(document.createTextNode(chars.slice(at, from).join("")));
    const mark = document.createElement("mark");
    mark.textContent = chars.slice(from, end).join("");
    nodes.push(mark);
    at = end;
  }
  if (at < chars.length) nodes.push(document.createTextNode(chars.slice(at).join("")));
  return nodes;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

/** Where a result lies: "Kita Ward, Osaka City" / 大阪市北区, or the municipality alone. */
function whereText(p) {
  const city = label(p.municipality_name);
  const ward = p.ward_name ? label(p.ward_name) : "";
  return ward && city ? interpolate(gettext("%(ward)s, %(city)s"), { ward, city }) : ward || city;
}

/** What a result is: the kind of place, or the feature's layer (or what `kindOf` knows better). */
function kindText(p, kindOf) {
  if (p.result_type === "municipality") return gettext("Municipality");
  if (p.result_type === "ward") return gettext("Ward");
  return kindOf?.(p) || label(p.layer_name) || p.layer || "";
}

export class Search {
  /**
   * `input` is the combobox, `listbox` its popup, `message` a visible line for problems and
   * `live` a polite live region; `centre()` gives the map centre as {lat, lng}; `kindOf(properties)`
   * may say what a feature is more exactly than its layer's name (a shelter's designation).
   */
  constructor({ input, listbox, message, live, url, maxLength, centre, kindOf, onChoose }) {
    Object.assign(this, { input, listbox, message, live, url, maxLength, centre, kindOf, onChoose });
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.controller = null;
    this.sequence = 0;
    this.shownFor = null; // the text whose results are in the list

    input.addEventListener("input", () => this.scheduleSearch());
    input.addEventListener("keydown", (event) => this.onKeydown(event));
    input.addEventListener("blur", () => this.close());
    input.addEventListener("focus", () => {
      if (this.results.length && this.shownFor === this.text()) this.open();
    });
    // Keep focus in the box while an option is pressed, so choosing never blurs and closes the list first.
    listbox.addEventListener("mousedown", (event) => event.preventDefault());
    listbox.addEventListener("click", (event) => {
      const option = event.target.closest?.('[role="option"]');
      if (option) this.choose(Number(option.dataset.index), { pointer: true });
    });
  }

  text() {
    return this.input.value.trim();
  }

  scheduleSearch() {
    clearTimeout(this.timer);
    const text = this.text();
    if (!text) {
      this.cancel();
      this.setResults([], null);
      this.say("", "");
      return;
    }
    this.timer = setTimeout(() => this.search(text), DEBOUNCE_MS);
  }

  cancel() {
    clearTimeout(this.timer);
    this.timer = null;
    this.sequence += 1; // whatever is on its way is stale now
    this.controller?.abort();
    this.controller = null;
  }

  /** `visible` on the line under the box, `spoken` in the live region. */
  say(visible, spoken = visible) {
    this.message.textContent = visible;
    this.message.hidden = !visible;
    this.live.textContent = spoken;
  }

  async search(text) {
    this.cancel();
    if (this.maxLength && codePointLength(text) > this.maxLength) {
      this.setResults([], null);
      this.say(this.tooLongText());
      return;
    }
    const sequence = this.sequence;
    const controller = (this.controller = new AbortController());
    const url = new URL(this.url, document.baseURI);
    url.searchParams.set("q", text);
    url.searchParams.set("limit", LIMIT);
    const centre = this.centre?.();
    if (centre) {
      url.searchParams.set("lat", centre.lat.toFixed(5));
      url.searchParams.set("lon", centre.lng.toFixed(5));
    }
    let features;
    try {
      const response = await fetch(url, { signal: controller.signal, headers: { Accept: "application/geo+json" } });
      if (sequence !== this.sequence) return;
      if (response.status === 400) {
        this.setResults([], null);
        this.say(codePointLength(text) > (this.maxLength || 100) ? this.tooLongText() : gettext("Try other words."));
        return;
      }
      if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
      features = (await response.json()).features ?? [];
    } catch (error) {
      if (error.name === "AbortError" || sequence !== this.sequence) return;
      console.warn(error);
      this.setResults([], null);
      this.say(gettext("Search is not available right now. Please try again later."));
      return;
    }
    if (sequence !== this.sequence) return; // a newer search has started meanwhile
    this.controller = null;
    this.setResults(features, text);
    const count = features.length;
    const spoken = count
      ? interpolate(ngettext("%(count)s result", "%(count)s results", count), { count: formatNumber(count) })
      : gettext("No results");
    this.say(count ? "" : spoken, spoken);
    if (count && document.activeElement === this.input) this.open();
  }

  tooLongText() {
    return interpolate(gettext("Too long to search: use at most %(max)s characters."), {
      max: formatNumber(this.maxLength || 100),
    });
  }

  setResults(features, text) {
    this.results = features;
    this.shownFor = text;
    this.listbox.replaceChildren(...features.map((feature, index) => this.option(feature, index)));
    this.setActive(-1);
    if (!features.length) this.close();
  }

  option(feature, index) {
    const p = feature.properties ?? {};
    const li = element("li", `search-option search-${p.result_type === "feature" ? "feature" : "place"}`);
    li.id = `${this.listbox.id}-${index}`;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.dataset.index = index;

    const highlight = p.highlight ?? {};
    const name = element("span", "search-name");
    name.lang = "ja";
    if (highlight.field === "name" && highlight.text === p.name) name.append(...highlightNodes(p.name, highlight.ranges));
    else name.textContent = p.name || gettext("(no name)");
    li.append(name);

    // What matched, when it was not the name itself (a reading, an address, an English name).
    if (highlight.field && highlight.field !== "name" && highlight.text) {
      const matched = element("span", "search-matched");
      matched.lang = highlight.field === "name_en" ? "en" : "ja";
      matched.append(...highlightNodes(highlight.text, highlight.ranges));
      li.append(matched);
    }

    const where = whereText(p);
    const meta = [kindText(p, this.kindOf)];
    // A place's own name already says where it is; in English its English name is worth adding.
    if (p.result_type === "feature") meta.push(where);
    else if (lang !== "ja" && p.name_en) meta.push(p.result_type === "ward" ? where : p.name_en);
    li.append(element("span", "search-meta", meta.filter(Boolean).join(" · ")));
    return li;
  }

  isOpen() {
    return this.input.getAttribute("aria-expanded") === "true";
  }

  open() {
    if (!this.results.length) return;
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  }

  close() {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.setActive(-1);
  }

  setActive(index) {
    const options = this.listbox.children;
    if (this.active >= 0) options[this.active]?.setAttribute("aria-selected", "false");
    this.active = index;
    const option = options[index];
    if (option) {
      option.setAttribute("aria-selected", "true");
      this.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }

  move(step) {
    const count = this.results.length;
    if (!count) return;
    if (!this.isOpen()) {
      this.open();
      this.setActive(step > 0 ? 0 : count - 1);
      return;
    }
    // Past either end the focus goes back to the text, as in the APG's list-autocomplete example.
    let next = this.active + step;
    if (this.active === -1) next = step > 0 ? 0 : count - 1;
    else if (next < 0 || next >= count) next = -1;
    this.setActive(next);
  }

  onKeydown(event) {
    if (event.isComposing || event.keyCode === 229) return; // an IME is still composing
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (event.altKey) this.open();
        else this.move(1);
        break;
      case "ArrowUp":
        event.preventDefault();
        this.move(-1);
        break;
      case "Enter":
        event.preventDefault();
        if (this.isOpen() && this.results.length) this.choose(this.active >= 0 ? this.active : 0);
        else if (this.timer) this.search(this.text());
        break;
      case "Escape":
        if (this.isOpen()) {
          event.preventDefault();
          this.close();
        } else if (this.input.value) {
          event.preventDefault();
          this.input.value = "";
          this.scheduleSearch();
        }
        break;
      default:
    }
  }

  choose(index, { pointer = false } = {}) {
    const feature = this.results[index];
    if (!feature) return;
    const p = feature.properties ?? {};
    this.input.value = p.name ?? this.input.value;
    this.shownFor = this.text();
    this.close();
    this.live.textContent = interpolate(gettext("%(name)s is shown on the map."), { name: p.name ?? "" });
    this.onChoose(feature, { pointer });
  }
}
