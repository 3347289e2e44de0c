// klimaspor: small enhancements only; every page works without this script.
// "Kopiér" next to an embed snippet copies it to the clipboard.
document.querySelectorAll('[data-copy]').forEach(function (button) {
  button.hidden = false;
  button.addEventListener('click', function () {
    var field = document.getElementById(button.getAttribute('data-copy'));
    if (!field) return;
    field.select();
    if (navigator.clipboard) navigator.clipboard.writeText(field.value);
    button.textContent = button.getAttribute('data-done') || button.textContent;
  });
});
