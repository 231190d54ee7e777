// The team page: choosing an account fills the member's name, qualification and duty from the person's profile.
// A field the manager typed is left alone; one filled from the previous account is replaced.
(function () {
  "use strict";
  const account = document.getElementById("id_user");
  const role = document.getElementById("id_role");
  if (!account || !role) return;
  const fields = {
    name: document.getElementById("id_name"),
    qualification: document.getElementById("id_qualification"),
    duty: document.getElementById("id_duty"),
  };
  const filled = {};  // what this script put in each field last

  function roleLabel() {
    const option = role.options[role.selectedIndex];
    return option ? option.text : "";
  }

  function profile() {
    const option = account.options[account.selectedIndex];
    if (!option || !option.value) return null;
    const position = option.dataset.position || "";
    const parts = [position, roleLabel()].filter(function (part, index, all) {
      return part && all.indexOf(part) === index;
    });
    return { name: option.dataset.name || "", qualification: option.dataset.qualification || "", duty: parts.join("、") };
  }

  function fill() {
    const values = profile();
    if (!values) return;
    Object.keys(fields).forEach(function (key) {
      const field = fields[key];
      if (!field) return;
      if (field.value === "" || field.value === filled[key]) {
        field.value = values[key];
        filled[key] = values[key];
      }
    });
  }

  account.addEventListener("change", fill);
  role.addEventListener("change", fill);
})();
