/**
 * "Here" actions: the hazard and shelter report (/here) for where the user is, found by the
 * browser's geolocation, or for the map centre. The map-centre links are plain links that work
 * without script; this keeps their address on the centre as the map moves.
 */

import { gettext } from "./i18n.js";

/** The report page's address for a point. */
export function hereUrl(url, { lat, lng }) {
  const address = new URL(url, document.baseURI);
  address.searchParams.set("lat", lat.toFixed(6));
  address.searchParams.set("lon", lng.toFixed(6));
  return address.href;
}

/**
 * `button` asks for the position and goes to its report; `message` (in a status region) says what
 * is happening or why it could not, and `fallback` (hidden until then) offers the map centre's
 * report instead; `centreLinks` follow the map centre.
 */
export function setUpHere({ map, url, button, message, fallback, centreLinks }) {
  const links = [...centreLinks, fallback];
  const follow = () => {
    const href = hereUrl(url, map.getCenter());
    for (const link of links) link.href = href;
  };
  follow();
  map.on("moveend", follow);

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
        window.location.assign(hereUrl(url, { lat: coords.latitude, lng: coords.longitude }));
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
}
