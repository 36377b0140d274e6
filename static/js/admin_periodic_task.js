// The admin's periodic task form (django-celery-beat): says the chosen crontab schedule in words
// under the field, as the package's inline script would if the Content Security Policy ran it.
(function ($) {
  "use strict";
  var source = document.getElementById("readable-crontabs");
  if (!$ || !source) return;
  var readable = JSON.parse(source.textContent);
  var help = $(".field-crontab .help");
  var original = help.html();
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var words = readable[$("#id_crontab").val()];
    help.html(original).append("<br>", document.createTextNode("Translation: " + (words || "")));
  });
})(window.django && window.django.jQuery);
