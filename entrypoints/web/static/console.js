// Small conveniences of the account console. Every page works without them.

// A reset link carries its token in the fragment (#token=...), which the browser never
// sends to a server: move it into the form, and out of the address bar and history.
const resetBox = document.querySelector("[data-reset-token]");
if (resetBox) {
  const input = resetBox.querySelector('input[name="token"]');
  const found = /(?:^|&)token=([^&]+)/.exec(window.location.hash.slice(1));
  if (input && found) {
    input.value = decodeURIComponent(found[1]);
    window.history.replaceState(null, "", window.location.pathname);
  }
  if (input && input.value && !resetBox.querySelector(".field-error")) {
    resetBox.hidden = true;
  }
}

// Buttons that end something ask first.
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
}
