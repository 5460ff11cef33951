// Tenantry dashboard: small progressive enhancements. Every page works without this file.
"use strict";

// Forms marked data-confirm ask before they submit (destructive actions).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

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

// After a refused form, bring the first field with an error into view (long forms such as a user's).
document.addEventListener("DOMContentLoaded", () => {
  const invalid = document.querySelector("[aria-invalid='true']");
  if (invalid instanceof HTMLElement) invalid.focus();
});
