// Tenantry dashboard: small progressive enhancements. Every page works without this file.
"use strict";

// Live preview of the organization meta name on the Configuration tab.
function updateMetaPreview() {
  const singular = document.querySelector("input[name='organization_meta_name.singular']");
  const plural = document.querySelector("input[name='organization_meta_name.plural']");
  const preview = document.querySelector("[data-meta-preview]");
  if (!singular || !plural || !preview) return;
  const one = singular.value.trim() || "Organization";
  const many = plural.value.trim() || "Organizations";
  // The same rules as domain/wording.py: plain capitals go lower-case mid-sentence, acronyms stay.
  const lower = (text) =>
    text.split(" ").map((w) => (w.slice(1) === w.slice(1).toLowerCase() ? w.charAt(0).toLowerCase() + w.slice(1) : w)).join(" ");
  const word = one.toLowerCase();
  const article = /^(hour|honest|honor|heir)/.test(word) ? "an"
    : /^(uni|use|usu|uti|eu|one|once|ubi)/.test(word) ? "a"
    : /^[aeiou]/.test(word) ? "an" : "a";
  preview.querySelector("[data-create]").textContent = `Create ${article} ${lower(one)}`;
  preview.querySelector("[data-join]").textContent = `Join Acme's ${lower(one)}`;
  preview.querySelector("[data-switch]").textContent = `Your ${lower(many)}`;
}
document.addEventListener("input", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.name.startsWith("organization_meta_name.")) updateMetaPreview();
});
document.addEventListener("DOMContentLoaded", updateMetaPreview);

// "No limit" / "At most N": one control. The number box is used only with "At most".
function syncLimit() {
  const number = document.querySelector("[data-limit-number]");
  const limited = document.querySelector("[data-limit-toggle][value='limited']");
  if (!number || !limited) return;
  number.disabled = !limited.checked;
}
document.addEventListener("change", (event) => {
  if (event.target instanceof HTMLElement && event.target.matches("[data-limit-toggle]")) {
    syncLimit();
    const number = document.querySelector("[data-limit-number]");
    if (number && !number.disabled) number.focus();
  }
});
document.addEventListener("DOMContentLoaded", syncLimit);

// The brand colour: a picker tied to the text box, and a live preview of the readable colours
// derived from it. The same rules as domain/colours.py (WCAG 2.x contrast).
const WHITE = "#ffffff", BLACK = "#000000", SURFACES = [WHITE, "#f5f5f7", "#eef2ff"];
const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const toHex = (c) => "#" + c.map((v) => Math.round(Math.max(0, Math.min(255, v))).toString(16).padStart(2, "0")).join("");
const luminance = (hex) => {
  const [r, g, b] = rgb(hex).map((v) => { const c = v / 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a, b) => { const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x); return (hi + 0.05) / (lo + 0.05); };
const mix = (a, b, t) => { const x = rgb(a), y = rgb(b); return toHex(x.map((v, i) => v + (y[i] - v) * t)); };
const darkenedUntil = (hex, backgrounds, ratio) => {
  for (let step = 0; step <= 100; step++) {
    const shade = mix(hex, "#000000", step / 100);
    if (backgrounds.every((bg) => contrast(shade, bg) >= ratio)) return shade;
  }
  return "#000000";
};
function palette(primary) {
  primary = primary.toLowerCase();
  const ink = darkenedUntil(primary, SURFACES, 4.5), tint = mix(primary, WHITE, 0.88);
  return {
    primary, ink, tint,
    onPrimary: contrast(WHITE, primary) >= contrast(BLACK, primary) ? WHITE : BLACK,
    ring: darkenedUntil(primary, SURFACES, 3), onTint: darkenedUntil(ink, [tint], 4.5),
  };
}
function warnings(p) {
  const notes = [], white = contrast(WHITE, p.primary);
  if (p.onPrimary !== WHITE && white < 4.5) {
    notes.push(`White text on ${p.primary} would be ${white.toFixed(2)}:1 (below 4.5:1), so buttons use dark text (${contrast(p.primary, p.onPrimary).toFixed(1)}:1).`);
  }
  if (p.ink !== p.primary) {
    notes.push(`${p.primary} on white is ${contrast(p.primary, WHITE).toFixed(2)}:1, too light for text: links use the darker ${p.ink} (${contrast(p.ink, WHITE).toFixed(1)}:1).`);
  }
  return notes;
}
function showColour(value) {
  const preview = document.querySelector("[data-colour-preview]");
  if (!preview || !/^#[0-9a-fA-F]{6}$/.test(value)) return;
  const p = palette(value);
  for (const [name, colour] of [["--primary", p.primary], ["--on-primary", p.onPrimary], ["--primary-ink", p.ink],
    ["--focus", p.ring], ["--primary-tint", p.tint], ["--on-tint", p.onTint]]) preview.style.setProperty(name, colour);
  const list = preview.querySelector("[data-colour-warnings]");
  list.replaceChildren(...warnings(p).map((note) => { const li = document.createElement("li"); li.textContent = note; return li; }));
}
document.addEventListener("input", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLInputElement)) return;
  if (target.matches("[data-colour-picker]")) {
    const text = document.querySelector("[data-colour-text]");
    if (text) text.value = target.value;
    showColour(target.value);
  } else if (target.matches("[data-colour-text]")) {
    const picker = document.querySelector("[data-colour-picker]");
    if (picker && /^#[0-9a-fA-F]{6}$/.test(target.value.trim())) picker.value = target.value.trim().toLowerCase();
    showColour(target.value.trim());
  }
});
document.addEventListener("DOMContentLoaded", () => {
  const text = document.querySelector("[data-colour-text]");
  if (text) showColour(text.value.trim());
});

// The navigation on a phone: a drawer behind a menu button.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-nav-toggle]") : null;
  if (!button) return;
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  document.body.classList.toggle("nav-open", open);
});
