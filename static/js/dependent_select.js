// A select marked data-depends-on="<id of another select>" shows only its options whose data-unit equals the
// other select's value (the projects of the chosen unit). The server narrows the same choices on submit.
(function () {
  "use strict";
  document.querySelectorAll("select[data-depends-on]").forEach(function (select) {
    const source = document.getElementById(select.dataset.dependsOn);
    if (!source) { return; }
    const hint = document.querySelector('[data-empty-hint-for="' + select.id + '"]');
    function apply() {
      const unit = source.value;
      let shown = 0;
      select.querySelectorAll("option[data-unit]").forEach(function (option) {
        const match = !unit || option.dataset.unit === unit;
        option.hidden = !match;
        option.disabled = !match;
        if (match) { shown += 1; }
        if (!match && option.selected) { select.value = ""; }
      });
      select.querySelectorAll("optgroup").forEach(function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      if (hint) { hint.hidden = !unit || shown > 0; }
    }
    source.addEventListener("change", apply);
    apply();
  });
  // A link marked data-unit-link="<id of a unit select>" carries the chosen unit (?unit=…) to the page it opens.
  document.querySelectorAll("a[data-unit-link]").forEach(function (link) {
    const source = document.getElementById(link.dataset.unitLink);
    if (!source) { return; }
    const base = link.getAttribute("href");
    function apply() {
      const url = new URL(base, window.location.href);
      if (source.value) { url.searchParams.set("unit", source.value); } else { url.searchParams.delete("unit"); }
      link.setAttribute("href", url.pathname + url.search);
    }
    source.addEventListener("change", apply);
    apply();
  });
})();
