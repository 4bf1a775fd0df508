// Buttons with data-confirm ask before submitting their form (e.g. removing a member).
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// Buttons with data-print print the page (the brief, an export).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// Once htmx has wired up the page (it loads deferred), say so: a browser test waits for this
// before typing into an as-you-type search, whose first keystrokes would otherwise go unheard.
document.addEventListener("htmx:load", function () {
  document.documentElement.dataset.htmxReady = "true";
});

// A form with data-autosubmit sends itself as soon as the page is shown: the answer a feedback
// email's link names. The link's GET only shows the answer, so the link scanners of mail services,
// which open links before the reader does, record nothing; a person's browser sends it at once.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.requestSubmit();
  });
});
