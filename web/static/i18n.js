// The reader's language and time zone (web/i18n.py): loaded by every page (base.html).
// - fields marked data-browser-timezone get the browser's IANA zone (sign-in: the account's
//   zone until the user chooses one; profile page: the suggested default);
// - the header's language switch sends itself when a language is picked.
(function () {
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  document.querySelectorAll("[data-browser-timezone]").forEach(function (field) {
    if (!field.value) { field.value = zone; }
  });
  document.querySelectorAll("[data-browser-timezone-label]").forEach(function (label) {
    label.textContent = zone;
  });
  document.querySelectorAll("form.language-switch select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
