// Scoring page: save one indicator's inputs without reloading the page, then update its row, the
// subtotals, the total, the grade, the chart and the indicator's consistency problems.
// Indicator editor: fill an example of the chosen rule's parameters.
(function () {
  "use strict";

  function csrfToken(form) {
    const field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function setText(selector, text) {
    document.querySelectorAll(selector).forEach(function (el) {
      // "short" figures are written as people write weights: 7 rather than 7.00
      el.textContent = el.classList.contains("short") ? String(text).replace(/\.00$/, "") : text;
    });
  }

  const dirtyForms = new Set();

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach(function (el) {
      el.textContent = "";
      if (el.dataset.errorFor === "__all__") { el.classList.add("d-none"); }
    });
    form.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
  }

  function showErrors(form, errors, message) {
    let placed = false;
    Object.keys(errors || {}).forEach(function (field) {
      const box = form.querySelector('[data-error-for="' + field + '"]');
      const text = errors[field].join("；");
      if (box) {
        box.textContent = text;
        box.classList.remove("d-none");
        placed = true;
        const input = form.querySelector('[name="' + field + '"]');
        if (input) { input.classList.add("is-invalid"); }
      }
    });
    if (!placed) {
      const box = form.querySelector('[data-error-for="__all__"]');
      box.textContent = message;
      box.classList.remove("d-none");
    }
  }

  function status(form, text, ok) {
    const el = form.querySelector("[data-form-status]");
    if (el) {
      el.textContent = text;
      el.className = "small " + (ok ? "text-success" : "text-danger");
    }
    const bar = document.querySelector("[data-save-status]");
    if (bar) {
      bar.textContent = text;
      bar.className = "ms-auto small " + (ok ? "text-success" : "text-danger");
    }
  }

  function gradeClass(grade) {
    return { "优": "text-bg-success", "良": "text-bg-primary", "中": "text-bg-warning", "差": "text-bg-danger" }[grade] ||
      "text-bg-secondary";
  }

  function paintGrades() {
    document.querySelectorAll(".grade-badge").forEach(function (badge) {
      badge.className = "badge fs-6 grade-badge " + gradeClass(badge.textContent.trim());
    });
  }

  function update(data) {
    const ind = data.indicator;
    const pk = ind.pk;
    setText('[data-score-for="' + pk + '"]', ind.score === null ? "—" : ind.score);
    setText('[data-explanation-for="' + pk + '"]', ind.explanation || "尚未计分。");
    setText('[data-actual-for="' + pk + '"]', ind.actual_display || "—");
    const row = document.getElementById("indicator-" + pk);
    if (row) { row.querySelectorAll(".inputs-text").forEach(function (el) { el.textContent = ind.inputs_text; }); }
    const widgets = document.querySelector('[data-widgets-for="' + pk + '"]');
    if (widgets && ind.widgets_html !== undefined) {
      widgets.innerHTML = ind.widgets_html;  // server-rendered from the template, every value escaped there
      widgets.classList.toggle("d-none", Boolean(ind.not_applicable));
    }
    setText('[data-awarded-note="' + pk + '"]', ind.awarded === null ? "" : "已调整");
    setText('[data-override-for="' + pk + '"]', ind.awarded === null ? "" :
      "评定得分 " + ind.awarded + " 分（计算得分 " + (ind.computed === null ? "—" : ind.computed) + " 分），理由：" +
      ind.override_reason);
    Object.keys(data.subtotals).forEach(function (key) {
      setText('[data-subtotal-for="' + key + '"]', data.subtotals[key] === null ? "—" : data.subtotals[key]);
    });
    data.sections.forEach(function (section) {
      setText('[data-section-score="' + section.pk + '"]', section.score === null ? "—" : section.score);
      setText('[data-rate-for="' + section.pk + '"]', section.rate === null ? "—" : section.rate);
    });
    setText("[data-total]", data.total === null ? "—" : data.total);
    setText("[data-rescale-note]", data.rescale_note || "");
    setText("[data-grade]", data.grade || "未定级");
    paintGrades();
    const chart = document.querySelector("[data-chart]");
    if (chart) { chart.innerHTML = data.chart; }  // server-rendered SVG, every label escaped there
    const list = document.querySelector('[data-problems-for="' + pk + '"]');
    if (list) {
      list.innerHTML = "";
      data.problems.forEach(function (problem) {
        const item = document.createElement("li");
        // 错误 red, 待填 (still to fill in) and 提示 neutral: a new indicator is a to-do, not an error
        item.className = problem.severity === "error" ? "text-danger" : "text-body-secondary";
        const mark = { error: "⚠ ", todo: "☐ ", warning: "ⓘ " }[problem.severity] || "";
        item.textContent = mark + problem.label + "：" + problem.message;
        list.appendChild(item);
      });
      const flagged = data.problems.some(function (problem) { return problem.severity !== "todo"; });
      if (row) { row.classList.toggle("has-problems", flagged); }
    }
  }

  document.querySelectorAll("form.score-form").forEach(function (form) {
    form.addEventListener("input", function () { dirtyForms.add(form); });
    form.addEventListener("change", function () { dirtyForms.add(form); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      status(form, "正在保存…", true);
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json" },
        credentials: "same-origin",
      }).then(function (response) {
        return response.json().catch(function () {
          return { ok: false, message: "保存失败（服务器返回 " + response.status + "），请刷新页面后重试。" };
        });
      }).then(function (data) {
        if (data.ok) {
          form.querySelector("input[name=version]").value = data.indicator.version;
          update(data);
          dirtyForms.delete(form);
          if (dirtyForms.size === 0 && window.perfEvalMarkClean) { window.perfEvalMarkClean(); }
          status(form, data.message, true);
        } else {
          showErrors(form, data.errors, data.message);
          status(form, data.message, false);
        }
      }).catch(function () {
        status(form, "网络连接失败，未保存；请检查网络后重试。", false);
      }).finally(function () {
        button.disabled = false;
      });
    });
  });
  paintGrades();

  // Inside a leaf's form: 不适用 hides the inputs; an either_of choice shows that option's inputs only; a
  // 数据来源 select makes the number read-only while it follows a derived figure. Delegated, since a save
  // draws the inputs again.
  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.matches("[data-na-toggle]")) {
      const box = target.closest("form").querySelector("[data-widgets-for]");
      if (box) { box.classList.toggle("d-none", target.checked); }
    } else if (target.matches("[data-option-select]")) {
      target.closest("[data-either-of]").querySelectorAll("[data-option]").forEach(function (fieldset) {
        const chosen = fieldset.dataset.option === target.value;
        fieldset.classList.toggle("d-none", !chosen);
        fieldset.disabled = !chosen;
      });
    } else if (target.matches("[data-bind-select]")) {
      const number = target.closest("[data-number-input]").querySelector("input.form-control");
      if (number) { number.readOnly = target.value !== ""; }
    }
  });
})();
