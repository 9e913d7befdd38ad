/* refugio web UI: small enhancements only. Every page works without this file (plain form posts). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Language select: switch as soon as a language is chosen.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.requestSubmit();
    }
  });

  // "Remove this member": ask first; the page that comes back offers an Undo as well.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-remove-member]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm") || "Remove this member?")) {
      event.preventDefault();
    }
  });

  // After HTMX adds a member block, move the focus to its first field.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "members") {
      var blocks = target.querySelectorAll(".member");
      var last = blocks[blocks.length - 1];
      var first = last ? last.querySelector("select, input") : null;
      if (first) {
        first.focus();
      }
    }
  });

  // Move the focus to the error summary when a form comes back with errors.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  });
})();
