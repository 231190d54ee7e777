// Chinese words for the section editor (django-prose-editor ships no Chinese). Its dialogs ask window.gettext,
// which it reads when its module loads (this classic script runs before any module); its buttons' tooltips and
// menu entries are English and are replaced here once the editor is ready.
(function () {
  "use strict";
  const WORDS = {
    // dialogs
    Rows: "行数",
    Columns: "列数",
    "Include header row": "第一行为表头",
    "Table Properties": "表格",
    "Insert Table": "插入表格",
    Insert: "插入",
    Update: "确定",
    Cancel: "取消",
    // buttons and menu entries
    bold: "加粗",
    italic: "倾斜",
    paragraph: "正文",
    Paragraph: "正文",
    "Heading 3": "小标题",
    "Heading 4": "次级小标题",
    "unordered list": "项目符号列表",
    "ordered list": "编号列表",
    "Insert table": "插入表格",
    "Add column": "插入列",
    "Delete column": "删除列",
    "Add row": "插入行",
    "Delete row": "删除行",
    "Merge cells": "合并单元格",
    "Split cell": "拆分单元格",
    "Toggle header cell": "设为表头或取消",
    "Delete table": "删除表格",
    Delete: "删除",
    undo: "撤销",
    redo: "重做",
    "Toggle fullscreen": "全屏",
  };
  const translate = function (text) { return Object.prototype.hasOwnProperty.call(WORDS, text) ? WORDS[text] : text; };
  if (typeof window.gettext !== "function") { window.gettext = translate; }

  // Only English words are replaced, so a translated menu is left alone (no endless observer callbacks).
  function translateMenu(root) {
    root.querySelectorAll("[title]").forEach(function (element) {
      if (translate(element.title) !== element.title) { element.title = translate(element.title); }
    });
    root.querySelectorAll("[aria-label]").forEach(function (element) {
      const label = element.getAttribute("aria-label");
      if (translate(label) !== label) { element.setAttribute("aria-label", translate(label)); }
    });
    root.querySelectorAll(".prose-menubar__option *").forEach(function (element) {
      if (element.children.length === 0 && translate(element.textContent) !== element.textContent) {
        element.textContent = translate(element.textContent);
      }
    });
  }

  document.addEventListener("prose-editor:ready", function (event) {
    // The menu bar is attached by the editor after "ready" (and table buttons may come later): translate what
    // is there and whatever is added.
    const root = event.target.closest(".prose-editor") || event.target.parentElement;
    if (!root) { return; }
    translateMenu(root);
    new MutationObserver(function () { translateMenu(root); }).observe(root, { childList: true, subtree: true });
  });
})();
