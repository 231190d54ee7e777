// Data-collection table form: rows added, moved and removed in place; 合计 and 占比 recomputed as the
// user types (display only: the server parses and recomputes everything on save); derived figures and
// bad cells previewed by the server (nothing is saved) a moment after typing stops.
(function () {
  "use strict";
  const form = document.getElementById("table-form");
  if (!form) { return; }
  const body = document.getElementById("table-rows");
  const template = document.getElementById("row-template");
  const totals = (form.dataset.totals || "").split(",").filter(Boolean);
  const shareOf = form.dataset.shareOf || "";
  const SCALE = 1000000n;  // values are summed exactly, in millionths
  const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

  // --- numbers -------------------------------------------------------------------------------------
  function parseScaled(text) {
    const clean = String(text || "").trim().replace(/[,，%\s]/g, "");
    if (!clean || !NUMBER.test(clean)) { return null; }
    const negative = clean.startsWith("-");
    const unsigned = clean.replace(/^[+-]/, "");
    const parts = unsigned.split(".");
    const whole = parts[0] || "0";
    let fraction = (parts[1] || "").padEnd(7, "0");
    let value = BigInt(whole) * SCALE + BigInt(fraction.slice(0, 6));
    if (Number(fraction[6]) >= 5) { value += 1n; }  // half up at the 7th decimal
    return negative ? -value : value;
  }

  function formatScaled(value, minPlaces) {
    const negative = value < 0n;
    const absolute = negative ? -value : value;
    const whole = (absolute / SCALE).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    let fraction = (absolute % SCALE).toString().padStart(6, "0").replace(/0+$/, "");
    fraction = fraction.padEnd(minPlaces, "0");
    return (negative ? "-" : "") + whole + (fraction ? "." + fraction : "");
  }

  function shareText(part, whole) {
    if (part === null || whole === null || whole === 0n) { return ""; }
    // hundredths of a percent, rounded half up: part / whole × 100 %
    let scaled = part * 10000n * 2n;
    let hundredths = scaled / whole;
    hundredths = (hundredths + (hundredths >= 0n ? 1n : -1n)) / 2n;
    const negative = hundredths < 0n;
    const absolute = negative ? -hundredths : hundredths;
    return (negative ? "-" : "") + (absolute / 100n).toString() + "." + (absolute % 100n).toString().padStart(2, "0") + "%";
  }

  function rows() { return body ? Array.from(body.querySelectorAll("tr.data-row")) : []; }

  // The rows as the server reads them: [{column key: text}], one object per row (a one-row table is
  // one object of all its fields). Sent as one JSON field, so a long table is never cut by the limit
  // on the number of form fields.
  function collect(container) {
    const item = {};
    container.querySelectorAll('[name^="c-"]').forEach(function (el) { item[el.name.slice(2)] = el.value; });
    return item;
  }
  function packed() { return JSON.stringify(body ? rows().map(collect) : [collect(form)]); }

  function field(row, key) { return row.querySelector('[name="c-' + key + '"]'); }

  function columnSum(key) {
    let sum = 0n;
    let any = false;
    rows().forEach(function (row) {
      const input = field(row, key);
      const value = input ? parseScaled(input.value) : null;
      if (value !== null) { sum += value; any = true; }
    });
    return any ? sum : null;
  }

  function recompute() {
    totals.forEach(function (key) {
      const cell = form.querySelector('[data-total-for="' + key + '"]');
      if (!cell) { return; }
      const sum = columnSum(key);
      const input = rows().length ? field(rows()[0], key) : null;
      const places = input && input.dataset.kind === "integer" ? 0 : 2;
      cell.textContent = sum === null ? "" : formatScaled(sum, places);
    });
    if (shareOf) {
      const whole = columnSum(shareOf);
      rows().forEach(function (row) {
        const input = field(row, shareOf);
        const cell = row.querySelector("[data-share]");
        if (cell) { cell.textContent = shareText(input ? parseScaled(input.value) : null, whole); }
      });
      const totalShare = form.querySelector('[data-total-for="share"]');
      if (totalShare) { totalShare.textContent = whole ? "100.00%" : ""; }
    }
  }

  // --- rows ----------------------------------------------------------------------------------------
  function renumber() {
    rows().forEach(function (row, index) {
      const seq = row.querySelector(".seq");
      if (seq) { seq.textContent = String(index + 1); }
    });
  }

  function newRow() {
    return template.content.firstElementChild.cloneNode(true);
  }

  function changed() {
    renumber();
    recompute();
    form.dispatchEvent(new Event("change", { bubbles: true }));  // forms.js: warn before leaving
    schedulePreview();
  }

  form.addEventListener("click", function (event) {
    const button = event.target.closest("[data-action]");
    if (!button || !body) { return; }
    const row = button.closest("tr.data-row");
    const action = button.dataset.action;
    if (action === "add") {
      const added = newRow();
      body.appendChild(added);
      focusFirst(added);
    } else if (action === "insert" && row) {
      const added = newRow();
      row.after(added);
      focusFirst(added);
    } else if (action === "remove" && row) {
      const filled = Array.from(row.querySelectorAll("input, select, textarea")).some(function (el) { return el.value.trim() !== ""; });
      if (filled && !window.confirm("删除第 " + row.querySelector(".seq").textContent + " 行？（保存后生效）")) { return; }
      row.remove();
    } else if (action === "up" && row && row.previousElementSibling) {
      row.previousElementSibling.before(row);
    } else if (action === "down" && row && row.nextElementSibling) {
      row.nextElementSibling.after(row);
    } else {
      return;
    }
    changed();
  });

  function focusFirst(row) {
    const input = row.querySelector("input, select, textarea");
    if (input) { input.focus(); }
  }

  // Enter in a one-line field moves down (like a spreadsheet) instead of submitting the whole table.
  form.addEventListener("keydown", function (event) {
    const target = event.target;
    if (event.key !== "Enter" || target.tagName !== "INPUT" || !body) { return; }
    event.preventDefault();
    const row = target.closest("tr.data-row");
    const cell = target.closest("[data-column]");
    const next = row && row.nextElementSibling;
    if (next && cell) {
      const below = next.querySelector('[data-column="' + cell.dataset.column + '"] input, [data-column="' + cell.dataset.column + '"] select');
      if (below) { below.focus(); }
    }
  });

  // --- text areas grow with their text ------------------------------------------------------------
  function grow(area) {
    area.style.height = "auto";
    area.style.height = area.scrollHeight + 2 + "px";
  }
  form.querySelectorAll("textarea.auto-grow").forEach(grow);

  form.addEventListener("input", function (event) {
    if (event.target.matches("textarea.auto-grow")) { grow(event.target); }
    recompute();
    schedulePreview();
  });
  form.addEventListener("change", function (event) {
    if (event.isTrusted) { recompute(); schedulePreview(); }
  });

  form.addEventListener("submit", function () {
    let field = form.querySelector('input[name="rows"]');
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "rows";
      form.appendChild(field);
    }
    field.value = packed();
    form.querySelectorAll('[name^="c-"]').forEach(function (el) { el.disabled = true; });
  });
  window.addEventListener("pageshow", function () {  // back to this page from the history
    form.querySelectorAll('[name^="c-"]').forEach(function (el) { el.disabled = false; });
    const field = form.querySelector('input[name="rows"]');
    if (field) { field.remove(); }
  });

  // --- server preview: figures and bad cells --------------------------------------------------------
  let timer = null;
  let sequence = 0;
  function schedulePreview() {
    if (!form.dataset.previewUrl) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(preview, 500);
  }

  function preview() {
    const mine = ++sequence;
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector('[name="csrfmiddlewaretoken"]').value);
    data.append("rows", packed());
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: data,
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data && mine === sequence) { showErrors(data.errors || []); showFigures(data.figures || []); }
    }).catch(function () { /* the preview is a convenience; saving still checks everything */ });
  }

  function showErrors(errors) {
    const focusedRow = document.activeElement ? document.activeElement.closest("tr.data-row") : null;
    form.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; });
    const all = rows().length ? rows() : Array.from(form.querySelectorAll("tr.data-row"));
    const single = !body;
    errors.forEach(function (error) {
      const row = single ? form : all[error.row - 1];
      if (!row) { return; }
      if (row === focusedRow && error.message === "必须填写") { return; }  // the row being typed in
      const cell = row.querySelector('[data-column="' + error.column + '"]');
      if (!cell) { return; }
      const input = cell.querySelector("input, select, textarea");
      const feedback = cell.querySelector("[data-error-for]");
      if (input) { input.classList.add("is-invalid"); }
      if (feedback) { feedback.textContent = error.message; }
    });
  }

  function showFigures(figures) {
    const list = document.getElementById("figure-list");
    if (!list) { return; }
    const seen = new Set();
    figures.forEach(function (figure) {
      seen.add(figure.key);
      let item = list.querySelector('[data-figure="' + CSS.escape(figure.key) + '"]');
      if (!item) {
        item = document.createElement("div");
        item.className = "figure-item";
        item.dataset.figure = figure.key;
        item.innerHTML = '<span class="figure-label"></span> <strong class="figure-value ms-2"></strong><div class="small text-muted figure-formula"></div>';
        list.appendChild(item);
      }
      item.querySelector(".figure-label").textContent = figure.label;
      const value = item.querySelector(".figure-value");
      if (value.textContent !== figure.display) {
        value.textContent = figure.display;
        value.classList.add("figure-changed");
      }
      item.querySelector(".figure-formula").textContent = figure.formula;
    });
    list.querySelectorAll("[data-figure]").forEach(function (item) {
      if (!seen.has(item.dataset.figure)) { item.remove(); }
    });
  }

  recompute();
})();
