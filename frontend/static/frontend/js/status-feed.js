/**
 * Live shelter status: polls the compact status feed (revalidated by ETag, so an unchanged feed costs
 * a 304) and hands each new state to the map. Geometry comes from the layers; status never does.
 */

import { gettext } from "./i18n.js";

export const statusKey = (municipality, id) => `${municipality}|${id}`;

export const OPEN_STATES = new Set(["open", "permanent"]);

// Labels of the EEI opening statuses and of the congestion levels, from the translation catalogue.
export function statusLabel(status) {
  return (
    {
      not_open: gettext("Not open"),
      open: gettext("Open"),
      closed: gettext("Closed"),
      unknown: gettext("Status unknown"),
      permanent: gettext("Always open"),
    }[status] ?? status
  );
}

export function congestionLabel(congestion) {
  return (
    {
      available: gettext("Available"),
      somewhat_crowded: gettext("Somewhat crowded"),
      crowded: gettext("Crowded"),
      full: gettext("Full"),
    }[congestion] ?? ""
  );
}

export class StatusFeed {
  constructor(url, { intervalSeconds = 5, onUpdate }) {
    Object.assign(this, { url, intervalMs: intervalSeconds * 1000, onUpdate });
    this.etag = null;
    this.byKey = new Map();
    this.timer = null;
  }

  start() {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    // A phone in a pocket need not poll; catch up at once when the page is seen again.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.poll();
    });
  }

  async poll() {
    if (document.visibilityState === "hidden") return;
    try {
      const response = await fetch(this.url, { cache: "no-cache", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const etag = response.headers.get("ETag");
      if (etag && etag === this.etag) return;
      const body = await response.json();
      this.etag = etag;
      this.byKey = new Map(body.shelters.map((s) => [statusKey(s.municipality, s.id), s]));
      this.onUpdate(this.byKey);
    } catch (error) {
      console.warn("status feed:", error);
    }
  }

  get(municipality, id) {
    return this.byKey.get(statusKey(municipality, id)) ?? null;
  }
}
