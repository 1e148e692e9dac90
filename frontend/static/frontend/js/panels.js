/**
 * The toolbar's panels: one open at a time, each opened and closed by its toolbar button (aria-expanded),
 * Escape closing it and handing focus back to its button. A bottom sheet on a phone, beside the map's
 * top left corner on a wide screen (the CSS decides which).
 */

export class Panels {
  constructor(toolbar, { onChange = () => {} } = {}) {
    this.onChange = onChange;
    this.buttons = new Map(
      [...toolbar.querySelectorAll("button[aria-controls]")].map((button) => [
        button.getAttribute("aria-controls").replace(/^panel-/, ""),
        button,
      ]),
    );
    this.current = null;
    toolbar.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !this.current) return;
      const button = this.buttons.get(this.current);
      this.close();
      button.focus();
    });
    for (const [name, button] of this.buttons) {
      button.addEventListener("click", () => (this.current === name ? this.close() : this.open(name)));
      this.panel(name).addEventListener("keydown", (event) => {
        if (event.key === "Escape" && !event.defaultPrevented) {
          this.close();
          button.focus();
        }
      });
    }
  }

  panel(name) {
    return document.getElementById(`panel-${name}`);
  }

  isOpen(name) {
    return this.current === name;
  }

  open(name, { focus = false } = {}) {
    if (this.current && this.current !== name) this.hide(this.current);
    this.current = name;
    this.panel(name).hidden = false;
    this.buttons.get(name).setAttribute("aria-expanded", "true");
    if (focus) this.panel(name).focus({ preventScroll: true });
    this.onChange(name);
  }

  close() {
    if (!this.current) return;
    this.hide(this.current);
    this.current = null;
    this.onChange(null);
  }

  hide(name) {
    this.panel(name).hidden = true;
    this.buttons.get(name).setAttribute("aria-expanded", "false");
  }
}
