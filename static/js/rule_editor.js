// Rule editor (rubrics.rule_editor): the chosen kind's boxes, table rows added and removed, and a live preview
// of the score for sample inputs. Every handler is delegated from the document, so editors that appear later
// (a Django admin inline row, an either_of option) need no setup.
(function () {
  "use strict";

  const DEBOUNCE_MS = 350;
  const CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳";
  const ACTUAL_INPUTS = ["actual", "target", "current", "previous"]; // in the indicator's own unit
  const DEFAULT_LEVELS = ["好", "中", "差"];
  const timers = new WeakMap();
  const sequence = new WeakMap();
  const shapes = new WeakMap();
  let uid = 0;

  // --- structure: an editor's own elements, never those of an option's editor inside it ---------------

  function editorOf(el) { return el.closest("[data-rule-editor]"); }
  function frameOf(el) { return el.closest("[data-rule-frame]"); }
  function topEditor(frame) { return frame.querySelector("[data-rule-editor]"); }
  function own(editor, root, selector) {
    return Array.from(root.querySelectorAll(selector)).filter(function (el) { return editorOf(el) === editor; });
  }
  function kindSelect(editor) { return own(editor, editor, "[data-kind-select]")[0]; }
  // The prefix the boxes carry now: Django admin renames a new inline row's boxes (__prefix__ → 3), not the
  // row templates, which still carry the prefix they were drawn with (data-prefix).
  function currentPrefix(editor) { return kindSelect(editor).name.replace(/-kind$/, ""); }
  function kindBlock(editor) {
    const kind = kindSelect(editor).value;
    return own(editor, editor, "[data-kind]").find(function (block) { return block.dataset.kind === kind; });
  }
  function rowsBox(table) {
    return Array.from(table.querySelectorAll("[data-rows]")).find(function (el) {
      return el.closest("[data-table]") === table;
    });
  }

  // --- kinds and rows -----------------------------------------------------------------------------------

  function showKind(editor) {
    const kind = kindSelect(editor).value;
    own(editor, editor, "[data-kind]").forEach(function (block) {
      block.hidden = block.dataset.kind !== kind;
      if (!block.hidden) {
        own(editor, block, "[data-table]").forEach(function (table) {
          while (rowsBox(table).children.length < Number(table.dataset.minRows || 0)) { addRow(table, false); }
        });
      }
    });
  }

  function addRow(table, focus) {
    const editor = editorOf(table);
    const template = Array.from(table.children).find(function (el) { return el.matches("template[data-row-template]"); });
    const next = Number(table.dataset.next || 0);
    table.dataset.next = String(next + 1);
    const html = template.innerHTML
      .split(editor.dataset.prefix).join(currentPrefix(editor))
      .split("__r" + table.dataset.depth + "__").join(String(next));
    const holder = document.createElement("template");
    holder.innerHTML = html;
    const row = holder.content.firstElementChild;
    rowsBox(table).appendChild(holder.content);
    if (focus) {
      const first = row.querySelector("input, select");
      if (first) { first.focus(); }
    }
  }

  // --- kind-dependent parts of the surrounding form (e.g. 标杆值 only for qualitative rules) ------------

  function syncDependents(frame) {
    const form = frame.closest("form");
    if (!form || form.querySelectorAll("[data-rule-frame]").length !== 1) { return; }
    const kind = kindSelect(topEditor(frame)).value;
    form.querySelectorAll("[data-hidden-for-kinds]").forEach(function (el) {
      el.hidden = el.dataset.hiddenForKinds.split(" ").indexOf(kind) >= 0;
    });
    form.querySelectorAll("[data-shown-for-kinds]").forEach(function (el) {
      el.hidden = el.dataset.shownForKinds.split(" ").indexOf(kind) < 0;
    });
  }

  // --- what the preview asks for: the kind's inputs, shaped by the parameters typed so far -------------

  function filledRows(block, param) {
    const box = own(editorOf(block), block, '[data-param="' + param + '"] [data-table]')[0];
    if (!box) { return []; }
    return Array.from(rowsBox(box).children).filter(function (row) {
      const typed = Array.from(row.querySelectorAll("input[data-col]")).some(function (input) {
        return editorOf(input) === editorOf(block) && input.value.trim() !== "";
      });
      const nested = row.querySelector("[data-rule-editor]");
      return typed || (nested && kindSelect(nested).value !== "");
    });
  }

  function cell(row, column) {
    const input = row.querySelector('input[data-col="' + column + '"]');
    return input ? input.value.trim() : "";
  }

  function unitOf(editor, block) {
    const box = own(editor, editor, ".re-more input[name$='-unit']")[0];
    return (box && box.value.trim()) || block.dataset.unit || "";
  }

  function describe(editor, inputs) {
    const block = kindBlock(editor);
    if (!block) { return []; }
    const items = filledRows(block, "items").map(function (row, i) {
      return { index: i, text: cell(row, "text"), faults: cell(row, "max_faults") !== "" };
    });
    return (inputs[block.dataset.kind] || []).filter(function (f) { return f.type !== "option_inputs"; }).map(function (f) {
      const field = { key: f.name, label: f.label, type: f.type, hint: f.hint, unit: f.unit };
      if (f.type === "number" && !f.unit && ACTUAL_INPUTS.indexOf(f.name) >= 0) { field.unit = unitOf(editor, block); }
      if (f.type === "indices" || f.type === "shares") { field.items = items; }
      if (f.type === "faults") { field.items = items.filter(function (item) { return item.faults; }); }
      if (f.type === "level") {
        const levels = filledRows(block, "levels").map(function (row) { return cell(row, "label"); });
        field.choices = levels.length ? levels : DEFAULT_LEVELS;
      }
      if (f.type === "grade") { field.choices = filledRows(block, "map").map(function (row) { return cell(row, "grade"); }); }
      if (f.type === "option") {
        field.options = filledRows(block, "options").map(function (row, i) {
          const nested = row.querySelector("[data-rule-editor]");
          return { label: cell(row, "label") || "第 " + (i + 1) + " 项", fields: describe(nested, inputs) };
        });
      }
      return field;
    });
  }

  // --- drawing the sample inputs (values kept by key when the shape changes) ----------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function labelled(label, control, unit) {
    const wrap = el("div", "re-sample mb-2");
    control.id = "re-sample-" + (++uid);
    const caption = el("label", "form-label small mb-0", label);
    caption.htmlFor = control.id;
    wrap.appendChild(caption);
    const group = el("div", "input-group input-group-sm");
    group.appendChild(control);
    if (unit) { group.appendChild(el("span", "input-group-text", unit)); }
    wrap.appendChild(group);
    return wrap;
  }

  function textBox(key, numeric) {
    const input = el("input", "form-control");
    input.type = "text";
    input.dataset.key = key;
    if (numeric) { input.inputMode = "decimal"; }
    return input;
  }

  function check(key, label) {
    const wrap = el("div", "form-check re-check");
    const box = el("input", "form-check-input");
    box.type = "checkbox";
    box.id = "re-sample-" + (++uid);
    box.dataset.key = key;
    const caption = el("label", "form-check-label", label);
    caption.htmlFor = box.id;
    wrap.appendChild(box);
    wrap.appendChild(caption);
    return wrap;
  }

  function perItem(field, path, draw) {
    const set = el("fieldset", "re-sample mb-2");
    set.appendChild(el("legend", "form-label small mb-0", field.label));
    if (!field.items.length) {
      set.appendChild(el("div", "form-text mt-0", field.type === "faults" ? "（没有设置“不满足几项不得分”的要点）" : "（先填写评分要点）"));
    }
    field.items.forEach(function (item) { set.appendChild(draw(item, path + "." + item.index)); });
    return set;
  }

  function itemName(item) { return (CIRCLED[item.index] || "(" + (item.index + 1) + ")") + " " + (item.text || ""); }

  function drawFields(fields, box, path) {
    fields.forEach(function (field) {
      const key = path + field.key;
      if (field.type === "flag") {
        box.appendChild(check(key, field.label));
      } else if (field.type === "indices") {
        box.appendChild(perItem(field, key, function (item, itemKey) { return check(itemKey, itemName(item)); }));
      } else if (field.type === "shares" || field.type === "faults") {
        box.appendChild(perItem(field, key, function (item, itemKey) {
          const row = labelled(itemName(item), textBox(itemKey, true), field.type === "faults" ? "项" : "");
          row.querySelector("input").placeholder = field.type === "shares" ? "0 到 1，如 0.5" : "";
          return row;
        }));
      } else if (field.type === "level" || field.type === "option") {
        const select = el("select", "form-select");
        select.dataset.key = key;
        select.appendChild(new Option("请选择", ""));
        (field.type === "level" ? field.choices : field.options.map(function (o) { return o.label; })).forEach(function (label, i) {
          select.appendChild(new Option(label, field.type === "level" ? label : String(i)));
        });
        box.appendChild(labelled(field.label, select, ""));
        if (field.type === "option") {
          field.options.forEach(function (option, i) {
            const part = el("div", "re-option-inputs ps-2 border-start mb-2");
            part.dataset.optionFor = key;
            part.dataset.option = String(i);
            part.hidden = true;
            drawFields(option.fields, part, key + "." + i + ".");
            box.appendChild(part);
          });
        }
      } else if (field.type === "grade") {
        const input = textBox(key, false);
        const list = el("datalist");
        list.id = "re-sample-" + (++uid);
        field.choices.forEach(function (grade) { list.appendChild(new Option(grade)); });
        input.setAttribute("list", list.id);
        box.appendChild(labelled(field.label, input, ""));
        box.appendChild(list);
      } else {
        box.appendChild(labelled(field.label, textBox(key, field.type === "number"), field.unit));
      }
      if (field.hint && field.type !== "flag") { box.appendChild(el("div", "form-text mt-0 mb-2", field.hint)); }
    });
  }

  function showChosenOptions(box) {
    box.querySelectorAll("[data-option-for]").forEach(function (part) {
      const select = box.querySelector('select[data-key="' + part.dataset.optionFor + '"]');
      part.hidden = !select || select.value !== part.dataset.option;
    });
  }

  function drawSamples(frame, fields) {
    const box = frame.querySelector("[data-sample-inputs]");
    const shape = JSON.stringify(fields);
    if (shapes.get(frame) === shape) { return box; }
    shapes.set(frame, shape);
    const kept = {};
    box.querySelectorAll("[data-key]").forEach(function (input) {
      kept[input.dataset.key] = input.type === "checkbox" ? input.checked : input.value;
    });
    box.textContent = "";
    drawFields(fields, box, "");
    box.querySelectorAll("[data-key]").forEach(function (input) {
      if (!(input.dataset.key in kept)) { return; }
      if (input.type === "checkbox") { input.checked = kept[input.dataset.key]; } else { input.value = kept[input.dataset.key]; }
    });
    showChosenOptions(box);
    return box;
  }

  // --- the sample inputs as the engine reads them --------------------------------------------------------

  function number(text) { return text.replace(/[\s,，]/g, "").replace(/[%％]$/, ""); }

  function collect(fields, box, path) {
    const inputs = {};
    function find(key) { return box.querySelector('[data-key="' + key + '"]'); }
    fields.forEach(function (field) {
      const key = path + field.key;
      if (field.type === "flag") {
        const checked = find(key).checked;
        if (checked || field.key !== "not_applicable") { inputs[field.key] = checked; }
      } else if (field.type === "indices") {
        inputs[field.key] = field.items.filter(function (item) { return find(key + "." + item.index).checked; })
          .map(function (item) { return item.index; });
      } else if (field.type === "shares" || field.type === "faults") {
        const given = {};
        field.items.forEach(function (item) {
          const value = number(find(key + "." + item.index).value);
          if (value !== "") { given[String(item.index)] = value; }
        });
        inputs[field.key] = given;
      } else if (field.type === "option") {
        const chosen = find(key).value;
        if (chosen !== "") {
          inputs.option = Number(chosen);
          inputs.inputs = collect(field.options[Number(chosen)].fields, box, key + "." + chosen + ".");
        }
      } else {
        const raw = find(key).value.trim();
        const value = field.type === "number" ? number(raw) : raw;
        if (value !== "") { inputs[field.key] = value; }
      }
    });
    return inputs;
  }

  // --- the preview itself --------------------------------------------------------------------------------

  function csrfToken(frame) {
    const form = frame.closest("form");
    const field = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) { return field.value; }
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function show(result, data) {
    result.textContent = "";
    if (data.ok) {
      const score = el("div", "re-score");
      score.appendChild(document.createTextNode("得分 "));
      score.appendChild(el("strong", "", data.score));
      score.appendChild(document.createTextNode(" 分"));
      result.appendChild(score);
      result.appendChild(el("div", "re-explanation", data.explanation));
      (data.problems || []).forEach(function (problem) {
        result.appendChild(el("div", "text-warning-emphasis", "ⓘ " + problem));
      });
    } else {
      result.appendChild(el("div", "re-pending", "尚不能试算："));
      const list = el("ul", "re-errors text-danger mb-0 ps-3");
      (data.errors || ["暂时无法试算。"]).forEach(function (message) { list.appendChild(el("li", "", message)); });
      result.appendChild(list);
    }
  }

  function inputsByKind(frame) {
    const script = frame.querySelector("[data-preview] script[type='application/json']");
    return script ? JSON.parse(script.textContent) : {};
  }

  function refresh(frame) {
    const panel = frame.querySelector("[data-preview]");
    if (!panel) { return; }
    const editor = topEditor(frame);
    const fields = describe(editor, inputsByKind(frame));
    const box = drawSamples(frame, fields);
    const result = panel.querySelector("[data-preview-result]");
    if (!kindSelect(editor).value) {
      result.textContent = "";
      result.appendChild(el("span", "text-muted", "选择计分规则并填写示例输入后，这里显示得分。"));
      return;
    }
    const body = new URLSearchParams();
    body.append("prefix", currentPrefix(editor));
    editor.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (input) {
      if ((input.type === "checkbox" || input.type === "radio") && !input.checked) { return; }
      body.append(input.name, input.value);
    });
    body.append("inputs", JSON.stringify(collect(fields, box, "")));
    body.append("weight", panel.querySelector("[data-sample-weight]").value);
    const mine = (sequence.get(frame) || 0) + 1;
    sequence.set(frame, mine);
    result.setAttribute("aria-busy", "true");
    fetch(frame.dataset.previewUrl, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": csrfToken(frame), "Accept": "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      if (sequence.get(frame) === mine) { show(result, data); }
    }).catch(function () {
      if (sequence.get(frame) === mine) { show(result, { ok: false, errors: ["暂时无法试算，请检查网络或刷新页面后重试。"] }); }
    }).finally(function () {
      if (sequence.get(frame) === mine) { result.removeAttribute("aria-busy"); }
    });
  }

  function schedule(frame) {
    clearTimeout(timers.get(frame));
    timers.set(frame, setTimeout(function () { refresh(frame); }, DEBOUNCE_MS));
  }

  // --- events ------------------------------------------------------------------------------------------

  document.addEventListener("change", function (event) {
    const target = event.target;
    const frame = frameOf(target);
    if (!frame) { return; }
    if (target.matches("[data-kind-select]")) {
      showKind(editorOf(target));
      syncDependents(frame);
    }
    if (target.matches("[data-sample-inputs] select")) { showChosenOptions(frame.querySelector("[data-sample-inputs]")); }
    schedule(frame);
  });

  document.addEventListener("input", function (event) {
    const target = event.target;
    const frame = frameOf(target);
    if (frame) {
      if (target.matches("[data-sample-weight]")) { target.dataset.touched = "1"; }
      schedule(frame);
      return;
    }
    // The form's own weight box: the preview follows it until its weight is typed by hand.
    const form = target.form;
    if (!form || !target.name) { return; }
    form.querySelectorAll("[data-rule-frame]").forEach(function (other) {
      const weight = other.querySelector("[data-sample-weight]");
      if (other.dataset.weightSource === target.name && weight && !weight.dataset.touched) {
        weight.value = target.value;
        schedule(other);
      }
    });
  });

  document.addEventListener("click", function (event) {
    const add = event.target.closest("[data-add-row]");
    const remove = event.target.closest("[data-remove-row]");
    if (!add && !remove) { return; }
    const frame = frameOf(event.target);
    if (add) { addRow(add.closest("[data-table]"), true); }
    if (remove) { remove.closest("[data-row]").remove(); }
    if (frame) { schedule(frame); }
  });

  function start() {
    document.querySelectorAll("[data-rule-frame]").forEach(function (frame) {
      if (frame.querySelector("[data-preview]")) { drawSamples(frame, describe(topEditor(frame), inputsByKind(frame))); }
      syncDependents(frame);
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
