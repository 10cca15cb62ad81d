// An upload form (data-upload) that shows how far a large file has gone: the bytes sent as
// a <progress> bar, then a busy state while the server reads and checks (plans) the file,
// then the answer (the preview, or the form again with its error) replaces the page, as the
// plain form's answer would. Without this script the form posts as usual. A listener in a
// file, not inline: the Content Security Policy allows scripts from 'self' only.
document.querySelectorAll("form[data-upload]").forEach((form) => {
  const box = form.querySelector(".upload-progress");
  const bar = box && box.querySelector("progress");
  const status = box && box.querySelector(".upload-status");
  if (!box || !bar || !status || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  const say = (text) => {
    status.textContent = text;
  };
  form.addEventListener("submit", (event) => {
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault(); // one upload at a time
      return;
    }
    event.preventDefault();
    const buttons = form.querySelectorAll("button, input[type=file]");
    const xhr = new XMLHttpRequest();
    const done = () => {
      form.removeAttribute("aria-busy");
      buttons.forEach((b) => {
        b.disabled = false;
      });
    };
    const data = new FormData(form); // before the inputs are disabled: a disabled one is not sent
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        const percent = Math.min(100, Math.floor((e.loaded * 100) / e.total));
        bar.value = percent;
        say(box.dataset.uploading.replace("{percent}", String(percent)));
      }
    });
    xhr.upload.addEventListener("load", () => {
      bar.value = 100;
      say(box.dataset.checking);
      box.classList.add("busy");
    });
    xhr.addEventListener("load", () => {
      // the server's answer (a preview, or the form with its problem) replaces this page
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", () => {
      say(box.dataset.failed);
      box.classList.remove("busy");
      done();
    });
    form.setAttribute("aria-busy", "true");
    buttons.forEach((b) => {
      b.disabled = true;
    });
    bar.value = 0;
    box.hidden = false;
    say(box.dataset.uploading.replace("{percent}", "0"));
    xhr.send(data);
  });
});
