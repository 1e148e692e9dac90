/**
 * "Here" actions: the hazard and shelter report for where the user is, found by the browser's
 * geolocation, or for the map centre, shown in the panel and on the map (report-panel.js). Without
 * script the panel holds a plain link to the report page (/here) for the map centre; with it, that link
 * still follows the centre, and buttons show the report in place.
 */

import { gettext } from "./i18n.js";
import { readState } from "./permalink.js";
import { ReportPanel } from "./report-panel.js";

const L = globalThis.L;

/** The report page's address for a point. */
export function hereUrl(url, { lat, lng }) {
  const address = new URL(url, document.baseURI);
  address.searchParams.set("lat", lat.toFixed(6));
  address.searchParams.set("lon", lng.toFixed(6));
  return address.href;
}

/**
 * `button` asks for the position and shows its report; `centreButton` the map centre's; `message` (in a
 * status region) says what is happening or why it could not, and `fallback` (hidden until then) offers
 * the map centre's report instead; `centreLinks` (the no-script links to the page) follow the map centre.
 * With `reportUrl` (the hazard report API), the report goes in `container` in the `panel` of `panels`;
 * an address with `report=lat,lon` (the /here page's link back to the map) opens it at once.
 * Returns the ReportPanel, if any.
 */
export function setUpHere({
  map,
  url,
  button,
  message,
  fallback,
  centreLinks,
  centreButton,
  reportUrl,
  panels,
  container,
  liveStatus,
  showShelter,
}) {
  const follow = () => {
    const href = hereUrl(url, map.getCenter());
    for (const link of centreLinks) link.href = href;
  };
  follow();
  map.on("moveend", follow);

  const section = document.getElementById("panel-here");
  const report = reportUrl
    ? new ReportPanel({
        map,
        section,
        container,
        message,
        url: reportUrl,
        pageUrl: url,
        liveStatus,
        showShelter,
        openPanel: () => panels.open("here"),
      })
    : null;
  // Without the report API, the buttons go to the report page as the links do.
  const showReport = (latlng, where) => {
    if (report) report.show(latlng, { where });
    else window.location.assign(hereUrl(url, latlng));
  };

  if (centreButton) {
    for (const link of centreLinks) link.hidden = true;
    centreButton.hidden = false;
    centreButton.addEventListener("click", () => {
      fallback.hidden = true;
      showReport(map.getCenter(), "centre");
    });
  }
  fallback.addEventListener("click", () => {
    fallback.hidden = true;
    showReport(map.getCenter(), "centre");
  });

  // Not `disabled` while it waits: that would take the keyboard focus off the button.
  let busy = false;
  const fail = (text) => {
    busy = false;
    button.removeAttribute("aria-busy");
    message.textContent = text;
    fallback.hidden = false;
  };

  button.addEventListener("click", () => {
    if (busy) return;
    fallback.hidden = true;
    if (!("geolocation" in navigator)) {
      fail(gettext("This browser cannot tell where you are."));
      return;
    }
    busy = true;
    button.setAttribute("aria-busy", "true");
    message.textContent = gettext("Finding where you are…");
    navigator.geolocation.getCurrentPosition(
      ({ coords }) => {
        busy = false;
        button.removeAttribute("aria-busy");
        showReport(L.latLng(coords.latitude, coords.longitude), "here");
      },
      (error) => {
        fail(
          error.code === error.PERMISSION_DENIED
            ? gettext("Your location is not available: permission was refused.")
            : gettext("Your location could not be found."),
        );
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });

  // The report page's "back to the map at this point": the report again, in the panel.
  const point = readState(window.location.search).report;
  if (report && point) {
    panels.open("here");
    report.show(L.latLng(point.lat, point.lng), { where: "point" });
  }
  return report;
}
