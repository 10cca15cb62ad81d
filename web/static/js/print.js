// A "print" link (data-print): the page's content on paper (print.css). A listener, not an
// inline onclick: the Content Security Policy allows scripts from 'self' only.
document.querySelectorAll("[data-print]").forEach((link) => {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    window.print();
  });
});
