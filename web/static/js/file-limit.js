// A file input with data-max-bytes refuses a file larger than the server keeps before a byte
// is sent: such an upload would travel for nothing (megabytes, on a township's line), and one
// over the reverse proxy's limit would not even reach the app's own message. The message, in
// the page's language, is the input's data-too-large, shown in the element its
// aria-describedby names and as the browser's own validation bubble; the form cannot be sent
// while it stands. The server checks again whatever this says. A listener in a file, not
// inline: the Content Security Policy allows scripts from 'self' only.
document.querySelectorAll("input[type=file][data-max-bytes]").forEach((input) => {
  const max = Number(input.dataset.maxBytes);
  const shown = document.getElementById(input.getAttribute("aria-describedby") || "");
  if (!max) {
    return;
  }
  input.addEventListener("change", () => {
    const tooLarge = Array.from(input.files || []).some((file) => file.size > max);
    const message = tooLarge ? input.dataset.tooLarge : "";
    input.setCustomValidity(message);
    if (tooLarge) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
    if (shown) {
      shown.textContent = message;
      shown.hidden = !tooLarge;
    }
    if (tooLarge) {
      input.reportValidity();
    }
  });
});
