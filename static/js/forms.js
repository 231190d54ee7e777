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
