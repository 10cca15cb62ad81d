// What an action did (base.html's first message, #flash-said) is focused by its autofocus, so a
// screen reader reads it and the keyboard goes on from it. After a comment or an upload the
// address names the section it went to (/tasks/…#attachments): there the browser scrolls to that
// section and skips autofocus (the HTML standard: a page opened on a fragment keeps its place),
// which left "附件已上传。" unread and out of view at the top. So the message is moved into that
// section, under its heading, and focused there: read out, beside the list it speaks of. Without
// this script the message stays at the top of the page. A file, not inline: the Content Security
// Policy allows scripts from 'self' only.
(() => {
  const said = document.getElementById("flash-said");
  if (!said || !window.location.hash) {
    return;
  }
  let target = null;
  try {
    target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  } catch (e) {
    return; // an address the page did not write
  }
  const active = document.activeElement;
  if (active && active !== document.body && active !== said) {
    return; // something else was given the focus (a refused field): leave it there
  }
  const section = target && target.closest("section");
  if (section) {
    const heading = section.querySelector("h2, h3");
    if (heading && heading.parentElement === section) {
      heading.after(said);
    } else {
      section.prepend(said);
    }
  }
  said.focus();
  // the browser's own step to the fragment comes after this script and, the section taking no
  // focus, leaves the focus on the page's body: the message takes it back once the page is loaded
  const again = () => {
    if (document.activeElement === document.body || document.activeElement === null) {
      said.focus();
    }
  };
  if (document.readyState === "complete") {
    window.setTimeout(again, 0);
  } else {
    window.addEventListener("load", () => window.setTimeout(again, 0), { once: true });
  }
})();
