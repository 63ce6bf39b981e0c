// An upload's progress: with a script, a form holding a chosen file and a <progress data-upload> is sent by
// XMLHttpRequest and the bar follows the bytes sent; without one (or if this fails) the form posts as usual.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var file = form.querySelector("input[type=file]");
    var bar = form.querySelector("progress[data-upload]");
    if (!file || !bar || !file.files.length || !window.FormData || !window.XMLHttpRequest) { return; }
    event.preventDefault();
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) { data.append(event.submitter.name, event.submitter.value); }
    // the attribute, not form.action: a control named "action" (the submit buttons) shadows the property
    var target = new URL(form.getAttribute("action") || "", window.location.href).href;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", target);
    bar.hidden = false;
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        bar.max = e.total;
        bar.value = e.loaded;
        bar.textContent = Math.round(100 * e.loaded / e.total) + "%";
      }
    };
    xhr.onload = function () {
      if (xhr.responseURL && xhr.responseURL !== target) { // saved: on to where the answer pointed
        window.location.assign(xhr.responseURL);
        return;
      }
      document.open();
      document.write(xhr.responseText); // the form again, with its errors beside the fields
      document.close();
    };
    xhr.onerror = function () { form.submit(); };
    xhr.send(data);
  });
}());
