// Passkeys and security keys (WebAuthn) on the log-in, second-factor and profile pages. A form
// marked data-passkey="login", "verify" (a security key named by the server) or "register"
// asks its data-options URL for a ceremony's options (a CSRF-checked POST), runs
// navigator.credentials, and submits the answer in its hidden "credential" input; the server
// answers with an ordinary page. The log-in page also offers passkeys in the e-mail field's
// autofill (conditional mediation) where the browser can. A form's data-working, data-failed
// and data-exists say what to tell the user; [data-passkey-only] parts show only where
// WebAuthn works (a form that also takes a code stays usable without it).
"use strict";

(() => {
  if (!window.PublicKeyCredential) return; // the forms stay hidden: the page works without them

  const decode = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const bytes = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(bytes, (c) => c.charCodeAt(0)).buffer;
  };
  const encode = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let text = "";
    for (const byte of bytes) text += String.fromCharCode(byte);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const descriptors = (list) => (list || []).map((d) => ({ ...d, id: decode(d.id) }));

  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    return { ...json, challenge: decode(json.challenge), user: { ...json.user, id: decode(json.user.id) },
      excludeCredentials: descriptors(json.excludeCredentials) };
  }
  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    return { ...json, challenge: decode(json.challenge), allowCredentials: descriptors(json.allowCredentials) };
  }
  function answer(credential) {
    const r = credential.response;
    const response = { clientDataJSON: encode(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = encode(r.attestationObject);
      if (r.getTransports) response.transports = r.getTransports();
    } else {
      response.authenticatorData = encode(r.authenticatorData);
      response.signature = encode(r.signature);
      if (r.userHandle) response.userHandle = encode(r.userHandle);
    }
    return { id: credential.id, rawId: encode(credential.rawId), type: credential.type, response,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults() };
  }

  async function options(form) {
    const body = new URLSearchParams({ csrf_token: form.elements.csrf_token.value });
    const reply = await fetch(form.dataset.options, { method: "POST", body, credentials: "same-origin",
      headers: { Accept: "application/json" } });
    if (!reply.ok) throw new Error("options");
    return reply.json();
  }

  function say(form, text) {
    const status = form.querySelector("[data-passkey-status]");
    if (status) status.textContent = text;
  }

  function submit(form, credential) {
    form.elements.credential.value = JSON.stringify(answer(credential));
    form.submit();
  }

  let pending = null; // the conditional request of the log-in page, ended before a modal one

  async function run(form, conditional) {
    const json = await options(form);
    if (form.dataset.passkey === "register") {
      return navigator.credentials.create({ publicKey: creationOptions(json) });
    }
    const request = { publicKey: requestOptions(json) };
    if (conditional) {
      pending = new AbortController();
      request.mediation = "conditional";
      request.signal = pending.signal;
    }
    return navigator.credentials.get(request);
  }

  async function start(form) {
    if (pending) { pending.abort(); pending = null; }
    const texts = form.dataset;
    say(form, texts.working || (texts.passkey === "register" ? "Follow your browser's steps to create the passkey…"
      : "Follow your browser's steps to use your passkey…"));
    try {
      const credential = await run(form, false);
      if (credential) submit(form, credential);
    } catch (error) {
      say(form, error && error.name === "InvalidStateError"
        ? texts.exists || "This device already has a passkey for your account."
        : texts.failed || "No passkey was used. You can try again.");
    }
  }

  async function offerInAutofill(form) {
    if (!PublicKeyCredential.isConditionalMediationAvailable) return;
    if (!(await PublicKeyCredential.isConditionalMediationAvailable())) return;
    try {
      const credential = await run(form, true);
      if (credential) submit(form, credential);
    } catch (error) { /* ended for a modal request, or dismissed: nothing to say */ }
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form[data-passkey]")) {
      form.hidden = false;
      for (const part of form.querySelectorAll("[data-passkey-only]")) part.hidden = false;
      form.querySelector("[data-passkey-start]").addEventListener("click", () => start(form));
      if (form.dataset.passkey === "login") offerInAutofill(form);
    }
  });
})();
