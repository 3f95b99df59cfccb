/* Alliance Workflow: show one deployed version and offer its SVG (made by bpmn-js saveSVG()). */
(function () {
  "use strict";
  var container = document.getElementById("svg");
  var link = document.getElementById("svg-link");
  if (!container || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: container });
  fetch(container.dataset.xmlUrl, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      viewer.get("canvas").zoom("fit-viewport");
      return viewer.saveSVG();
    })
    .then(function (result) {
      var blob = new Blob([result.svg], { type: "image/svg+xml" });
      link.href = URL.createObjectURL(blob);
      link.removeAttribute("aria-disabled");
      container.dataset.ready = "yes";
    })
    .catch(function (err) { container.textContent = String(err && err.message || err); });
}());
