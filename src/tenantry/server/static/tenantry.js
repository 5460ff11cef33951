// Tenantry hosted pages and dashboard: small progressive enhancements. Every page works without this file.
"use strict";

// After a refused form: name each field in the error summary, and move the focus to the summary
// so screen readers announce it and keyboard users start there.
document.addEventListener("DOMContentLoaded", () => {
  for (const link of document.querySelectorAll("a[data-field-link]")) {
    const id = link.getAttribute("href").slice(1);
    const label = document.querySelector(`label[for="${CSS.escape(id)}"]`);
    const input = document.getElementById(id);
    if (!input) continue;
    const name = label ? label.childNodes[0].textContent.trim() : "";
    if (name) link.textContent = `${name}: ${link.textContent}`;
    link.addEventListener("click", (event) => { event.preventDefault(); input.focus(); });
  }
  focusSummary();
});
// Again once loaded: a page opened at a #fragment may have moved the focus meanwhile.
window.addEventListener("load", () => { if (document.activeElement === document.body) focusSummary(); });
function focusSummary() {
  const summary = document.querySelector("[data-error-summary]");
  if (summary instanceof HTMLElement) summary.focus();
}

// Forms marked data-confirm ask before they submit (destructive actions).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) event.preventDefault();
});

// Tables that become cards on a phone: each cell shows its column's name (admin.css reads data-label).
document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table.cards")) {
    const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent.replace(/,\s*sort.*$/, "").trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, i) => { if (!cell.dataset.label && names[i]) cell.dataset.label = names[i]; });
    }
  }
});

// Copy buttons (the admin portal's values to paste at the identity provider): shown only with
// this script, since they need it.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source) return;
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        button.textContent = "Copied";
      } catch {
        window.getSelection().selectAllChildren(source);
        button.textContent = "Selected";
      }
    });
  }
});
