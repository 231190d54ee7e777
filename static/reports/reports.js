// Report page: while a version is queued or rendering, poll the status endpoint every 2 s and show
// its progress; when a render ends (done or failed), reload so links and messages are current.
(function () {
  "use strict";
  const card = document.getElementById("report-versions");
  if (!card || !card.hasAttribute("data-active")) {
    return;
  }
  const url = card.getAttribute("data-status-url");
  const BADGES = { queued: "text-bg-secondary", rendering: "text-bg-primary", done: "text-bg-success", failed: "text-bg-danger" };
  let failures = 0;

  function update(row, version) {
    const badge = row.querySelector(".status-badge");
    if (badge) {
      badge.textContent = version.status_label;
      badge.className = "badge status-badge " + (BADGES[version.status] || "text-bg-secondary");
    }
    const bar = row.querySelector(".progress-bar");
    if (bar) {
      bar.style.width = version.progress + "%";
      bar.parentElement.setAttribute("aria-valuenow", String(version.progress));
    }
    const stage = row.querySelector(".stage");
    if (stage) {
      stage.textContent = version.stage;
    }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        let finished = false;
        data.versions.forEach(function (version) {
          const row = card.querySelector('tr[data-number="' + version.number + '"]');
          if (!row) {
            return;
          }
          const was = row.getAttribute("data-status");
          if ((was === "queued" || was === "rendering") && !version.active) {
            finished = true;
          }
          update(row, version);
        });
        if (finished) {
          window.location.reload();
        } else if (data.active) {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () {
        failures += 1;
        if (failures < 10) {
          window.setTimeout(poll, 4000);
        }
      });
  }

  window.setTimeout(poll, 2000);
})();
