// Evidence, report text and field research pages: small conveniences, all optional (pages work without JS).
(function () {
  "use strict";

  // The indicator filter submits on change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // A drafted, unsaved analysis counts as an unsaved change (forms.js warns before leaving).
  document.querySelectorAll("form[data-dirty]").forEach(function (form) {
    form.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // Upload: list the chosen files with their sizes and flag those over the limit before sending.
  function formatSize(bytes) {
    if (bytes < 1024) { return bytes + " B"; }
    if (bytes < 1024 * 1024) { return (bytes / 1024).toFixed(1) + " KB"; }
    return (bytes / 1024 / 1024).toFixed(1) + " MB";
  }
  document.querySelectorAll("form[data-max-size]").forEach(function (form) {
    const limit = parseInt(form.getAttribute("data-max-size"), 10);
    const input = form.querySelector("input[type=file]");
    const list = form.querySelector("[data-file-list]");
    if (!input || !list) { return; }
    const summary = form.querySelector("[data-file-summary]");
    input.addEventListener("change", function () {
      list.textContent = "";
      if (summary) { summary.textContent = input.files.length ? "已选择 " + input.files.length + " 个文件" : "未选择文件"; }
      let tooBig = false;
      Array.from(input.files).forEach(function (file) {
        const li = document.createElement("li");
        li.textContent = file.name + "（" + formatSize(file.size) + "）";
        if (file.size > limit) {
          li.className = "text-danger";
          li.textContent += " 超过 20 MB，不能上传";
          tooBig = true;
        } else if (file.size === 0) {
          li.className = "text-danger";
          li.textContent += " 是空文件";
          tooBig = true;
        }
        list.appendChild(li);
      });
      input.setCustomValidity(tooBig ? "有文件为空或超过 20 MB，请重新选择。" : "");
    });
  });

  // Field research: fill the same dates into every row (or only the empty ones).
  document.querySelectorAll("[data-bulk-dates]").forEach(function (button) {
    button.addEventListener("click", function () {
      const start = document.getElementById("bulk-start").value;
      const end = document.getElementById("bulk-end").value;
      if (!start && !end) { window.alert("请先选择统一的开始和结束日期。"); return; }
      const onlyEmpty = button.getAttribute("data-bulk-dates") === "empty";
      document.querySelectorAll("tr").forEach(function (row) {
        const from = row.querySelector("[data-research-start]");
        const to = row.querySelector("[data-research-end]");
        if (!from || !to) { return; }
        if (onlyEmpty && (from.value || to.value)) { return; }
        from.value = start;
        to.value = end;
      });
      button.form.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });

  // A section editor's change (typing, but also a paste or a menu command, which fire no input event) counts as
  // an unsaved change of its form (forms.js warns before leaving).
  document.querySelectorAll("textarea[data-django-prose-editor-configurable]").forEach(function (area) {
    area.addEventListener("prose-editor:ready", function (event) {
      event.detail.editor.on("update", function () { area.dispatchEvent(new Event("input", { bubbles: true })); });
    });
  });

  // Character count under long text editors: the words typed, not the tags of a section's rich text.
  function countText(text) { return "共 " + text.replace(/\s/g, "").length + " 字"; }
  document.querySelectorAll("[data-char-count]").forEach(function (counter) {
    const area = document.getElementById(counter.getAttribute("data-char-count"));
    if (!area) { return; }
    if (area.hasAttribute("data-django-prose-editor-configurable")) {
      area.addEventListener("prose-editor:ready", function (event) {
        const editor = event.detail.editor;
        const update = function () { counter.textContent = countText(editor.getText()); };
        editor.on("update", update);
        update();
      });
      return;
    }
    const update = function () { counter.textContent = countText(area.value); };
    area.addEventListener("input", update);
    update();
  });
})();
