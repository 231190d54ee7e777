// Warn before leaving a page whose form (marked data-warn-unsaved) has unsaved changes.
(function () {
  "use strict";
  let dirty = false;
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "您有尚未保存的修改，确定离开吗？";
    }
  });
  window.perfEvalMarkClean = function () { dirty = false; };
})();

// Confirm destructive actions on every page: <form data-confirm="…"> or <button data-confirm="…">. (The
// Content-Security-Policy runs no inline onclick/onsubmit handlers, so confirmations live here.)
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
