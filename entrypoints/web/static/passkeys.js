// The WebAuthn ceremonies of the account console: the one part that needs JavaScript.
// The console hands out WebAuthn Level 3 options as JSON; the browser's answer goes back
// as credential.toJSON() in an ordinary form post, so everything after it is a page.

const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const supported =
  typeof window.PublicKeyCredential === "function" &&
  typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
  typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";

function showError(message) {
  const box = document.querySelector("[data-passkey-error]");
  if (!box) return;
  box.textContent = message;
  box.hidden = false;
}

function explain(error) {
  switch (error.name) {
    case "NotAllowedError":
      return "The passkey request was cancelled or timed out. Try again when you're ready.";
    case "InvalidStateError":
      return "This device already holds a passkey for your account.";
    case "SecurityError":
      return "Passkeys don't work at this address. Open the console at its configured address.";
    default:
      return error.message || "The passkey could not be used. Try again.";
  }
}

async function fetchOptions(form) {
  const response = await fetch(form.dataset.options, {
    method: "POST",
    headers: { "X-CSRF-Token": csrf },
    credentials: "same-origin",
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.error || "Something went wrong. Reload the page and try again.");
  }
  return body.options;
}

function send(form, credential) {
  form.querySelector('input[name="credential"]').value = JSON.stringify(credential.toJSON());
  form.submit();
}

async function assert(form, mediation, signal) {
  const options = await fetchOptions(form);
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
  const credential = await navigator.credentials.get({ publicKey, mediation, signal });
  if (credential) send(form, credential);
}

function signIn(form) {
  const section = form.closest("[data-passkey-signin]");
  if (section) section.hidden = false;
  let pending = new AbortController();
  // The browser's autofill offers passkeys beside the email field where it can.
  const conditional = PublicKeyCredential.isConditionalMediationAvailable?.() ?? Promise.resolve(false);
  conditional.then((available) => {
    if (available) {
      assert(form, "conditional", pending.signal).catch((error) => {
        if (error.name !== "AbortError") showError(explain(error));
      });
    }
  });
  form.querySelector("[data-passkey-button]").addEventListener("click", () => {
    pending.abort();
    pending = new AbortController();
    assert(form, "optional", pending.signal).catch((error) => showError(explain(error)));
  });
}

function secondStep(form) {
  form.querySelector("[data-passkey-button]").addEventListener("click", () => {
    assert(form, "optional").catch((error) => showError(explain(error)));
  });
}

function register(form) {
  form.hidden = false;
  document.querySelector("[data-passkey-unsupported]")?.setAttribute("hidden", "");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const options = await fetchOptions(form);
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
      send(form, await navigator.credentials.create({ publicKey }));
    } catch (error) {
      showError(explain(error));
    }
  });
}

if (supported) {
  const ceremonies = { "sign-in": signIn, "second-step": secondStep, register };
  for (const form of document.querySelectorAll("form[data-passkey-form]")) {
    ceremonies[form.dataset.passkeyForm]?.(form);
  }
}
