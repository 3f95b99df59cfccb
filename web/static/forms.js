/* Alliance Workflow: render a form-js form, post its data as JSON, show the diagram. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function setupForm() {
    var htmlForm = document.getElementById("task-form");
    if (!htmlForm) { return; }
    var field = document.getElementById("form-data-field");
    var container = document.getElementById("form-container");
    var schema = readJson("form-schema");
    if (!schema || !container || !window.FormViewer) {
      htmlForm.addEventListener("submit", function () { field.value = "{}"; });
      return;
    }
    var viewer = new window.FormViewer.Form({ container: container });
    var ready = viewer.importSchema(schema, readJson("form-values") || {}).then(function () {
      var errors = readJson("form-errors") || {};
      if (Object.keys(errors).length) {
        viewer._setState({ errors: errors });  // the server's messages under each field
      }
      htmlForm.dataset.ready = "yes";
    }).catch(function (err) {
      container.textContent = "The form could not be shown: " + err.message;
    });
    htmlForm.addEventListener("submit", function (event) {
      event.preventDefault();
      ready.then(function () {
        var result = viewer.submit();
        if (Object.keys(result.errors).length) {
          var first = container.querySelector(".fjs-has-errors input, .fjs-has-errors textarea");
          if (first) { first.focus(); }
          return;
        }
        field.value = JSON.stringify(result.data);
        htmlForm.submit();
      });
    });
  }

  function setupDiagram() {
    var canvasNode = document.getElementById("diagram");
    var xml = readJson("bpmn-xml");
    if (!canvasNode || !xml || !window.BpmnJS) { return; }
    var viewer = new window.BpmnJS({ container: canvasNode });
    viewer.importXML(xml).then(function () {
      var canvas = viewer.get("canvas");
      canvas.zoom("fit-viewport");
      var elementId = canvasNode.dataset.elementId;
      if (elementId && viewer.get("elementRegistry").get(elementId)) {
        canvas.addMarker(elementId, "current-task");
      }
      canvasNode.dataset.ready = "yes";
    }).catch(function (err) {
      canvasNode.textContent = "The diagram could not be shown: " + err.message;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupForm();
    setupDiagram();
  });
}());
