/**
 * Live shelter status: polls the compact status feed (revalidated by ETag, so an unchanged feed costs
 * a 304) and hands each new state to the map. Geometry comes from the layers; status never does.
 */

export const statusKey = (municipality, id) => `${municipality}|${id}`;

// The opening statuses (EEI), which count as open, and the congestion levels with their labels in the
// page's language: the server's vocabulary (layers/status/vocabulary.py), handed over in the map config.
let vocabulary = { statuses: [], congestion: [] };
let statuses = new Map();
let congestionLevels = new Map();

export function useStatusVocabulary(fromServer) {
  vocabulary = fromServer;
  statuses = new Map(fromServer.statuses.map((s) => [s.value, s]));
  congestionLevels = new Map(fromServer.congestion.map((c) => [c.value, c]));
}

export const isOpen = (status) => statuses.get(status)?.open ?? false;
export const statusLabel = (status) => statuses.get(status)?.label ?? statuses.get("unknown")?.label ?? status;
export const congestionLabel = (congestion) => congestionLevels.get(congestion)?.label ?? "";
/** The congestion levels from the emptiest to full. */
export const congestionValues = () => vocabulary.congestion.map((c) => c.value);

export class StatusFeed {
  /**
   * `onUpdate(byKey)` gets each new state; `onOffline(fetchedAt)` is told when the answer is the service
   * worker's last copy (the time it was fetched), `onOffline(asOf, { stale: true })` when it is the
   * server's last good feed (its database did not answer), and `onOffline(null)` when all is current.
   */
  constructor(url, { intervalSeconds = 5, onUpdate, onOffline = () => {} }) {
    Object.assign(this, { url, intervalMs: intervalSeconds * 1000, onUpdate, onOffline });
    this.offlineSince = null;
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
      const copy = response.headers.get("X-Offline-Copy") ? response.headers.get("X-Fetched-At") : null;
      const etag = response.headers.get("ETag");
      if (etag && etag === this.etag) return this.showAge(copy);
      const body = await response.json();
      this.showAge(copy ?? (body.stale ? body.as_of : null), { stale: !copy && Boolean(body.stale) });
      this.etag = etag;
      this.byKey = new Map(body.shelters.map((s) => [statusKey(s.municipality, s.id), s]));
      this.onUpdate(this.byKey);
    } catch (error) {
      console.warn("status feed:", error);
    }
  }

  /** Tells `onOffline` when the age of what is shown changes (`since`: null when current). */
  showAge(since, { stale = false } = {}) {
    if (since === this.offlineSince) return;
    this.offlineSince = since;
    this.onOffline(since ? new Date(since) : null, { stale });
  }

  get(municipality, id) {
    return this.byKey.get(statusKey(municipality, id)) ?? null;
  }
}
