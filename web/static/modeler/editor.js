/* Alliance Workflow: the analysts' editor (bpmn-js modeler, form-js editor, validate, deploy).
 * Every text shown comes from the server's translated messages; anything taken from the
 * diagram or the server is inserted as text, never as HTML. */
(function () {
  "use strict";

  var setup = JSON.parse(document.getElementById("modeler-setup").textContent);
  var M = setup.messages;
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var canvasNode = document.getElementById("canvas");
  var modeler = window.AllianceModeler.create({ container: canvasNode, propertiesParent: "#properties" });
  var forms = Object.assign({}, setup.forms);
  var decisions = Object.assign({}, setup.decisions || {});
  var fileName = setup.fileName;
  var dirty = false;
  var problemOverlays = [];
  var markedIds = [];
  window.modeler = modeler;

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_m, key) { return values[key] === undefined ? "" : String(values[key]); });
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function setDirty(value) {
    dirty = value;
    document.getElementById("dirty-flag").hidden = !value;
    document.body.dataset.dirty = value ? "yes" : "no";
  }

  window.addEventListener("beforeunload", function (event) {
    if (!dirty) { return undefined; }
    event.preventDefault();
    event.returnValue = M.unsaved;
    return M.unsaved;
  });

  function importXml(xml) {
    canvasNode.dataset.ready = "no";
    return modeler.importXML(xml).then(function () {
      modeler.get("canvas").zoom("fit-viewport");
      clearProblems();
      canvasNode.dataset.ready = "yes";
    });
  }

  /* The engine's own checks, run as the analyst edits (what deploy would refuse, marked live). */
  var liveTimer = null;
  function scheduleLiveValidation() {
    if (!setup.urls.validate || !setup.liveValidation) { return; }
    if (liveTimer) { clearTimeout(liveTimer); }
    liveTimer = setTimeout(function () { liveTimer = null; validate(); }, 1200);
  }

  modeler.on("commandStack.changed", function () { setDirty(true); scheduleLiveValidation(); });

  /* Forms ------------------------------------------------------------------------------ */

  function extensionValues(bo) {
    return (bo && bo.extensionElements && bo.extensionElements.values) || [];
  }

  function formDefinition(bo) {
    return extensionValues(bo).filter(function (v) { return v.$type === "zeebe:FormDefinition"; })[0];
  }

  function referencedFormIds() {
    var ids = {};
    modeler.get("elementRegistry").getAll().forEach(function (element) {
      var def = formDefinition(element.businessObject);
      if (def && def.formId) { ids[def.formId] = true; }
    });
    return Object.keys(ids);
  }

  function setTaskForm(element, formId, schema) {
    var bpmnFactory = modeler.get("bpmnFactory");
    var modeling = modeler.get("modeling");
    var bo = element.businessObject;
    var copy = JSON.parse(JSON.stringify(schema || forms[formId] || { components: [], type: "default" }));
    copy.id = formId;
    forms[formId] = copy;
    var ext = bo.extensionElements;
    if (!ext) {
      ext = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
      modeling.updateProperties(element, { extensionElements: ext });
    }
    var def = formDefinition(bo);
    if (def) {
      if (def.formId !== formId) { modeling.updateModdleProperties(element, def, { formId: formId }); }
    } else {
      def = bpmnFactory.create("zeebe:FormDefinition", { formId: formId });
      def.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: ext.values.concat([def]) });
    }
    setDirty(true);
    return copy;
  }

  var formState = { element: null, formId: null, editor: null, viewer: null };

  function selectedUserTask() {
    var selected = modeler.get("selection").get()[0];
    return selected && selected.type === "bpmn:UserTask" ? selected : null;
  }

  function openFormDialog() {
    var task = selectedUserTask();
    if (!task) { showSummary(M.noFormTask, "problem-bad"); return; }
    var def = formDefinition(task.businessObject);
    var formId = (def && def.formId) || (task.id + "_form");
    var schema = forms[formId] || { id: formId, type: "default", components: [] };
    formState.element = task;
    formState.formId = formId;
    document.getElementById("form-title").textContent = fmt(M.formFor, { id: formId, task: task.businessObject.name || task.id });
    var container = document.getElementById("form-editor");
    container.textContent = "";
    if (formState.editor) { formState.editor.destroy(); }
    formState.editor = new window.FormEditor.FormEditor({ container: container });
    showFormTab("edit");
    document.getElementById("form-dialog").showModal();
    return formState.editor.importSchema(JSON.parse(JSON.stringify(schema)));
  }

  function showFormTab(which) {
    var preview = document.getElementById("form-preview");
    document.getElementById("form-editor").hidden = which !== "edit";
    preview.hidden = which !== "preview";
    document.getElementById("tab-edit").className = which === "edit" ? "current" : "";
    document.getElementById("tab-preview").className = which === "preview" ? "current" : "";
    if (which === "preview" && formState.editor) {
      preview.textContent = "";
      if (formState.viewer) { formState.viewer.destroy(); }
      formState.viewer = new window.FormViewer.Form({ container: preview });
      formState.viewer.importSchema(formState.editor.saveSchema(), {});
    }
  }

  function keepForm() {
    if (formState.editor && formState.element) {
      setTaskForm(formState.element, formState.formId, formState.editor.saveSchema());
      showSummary(M.formSaved, "problem-ok");
    }
    document.getElementById("form-dialog").close();
  }

  /* Decisions (DMN, edited with dmn-js) -------------------------------------------------- */

  function calledDecision(bo) {
    return extensionValues(bo).filter(function (v) { return v.$type === "zeebe:CalledDecision"; })[0];
  }

  function referencedDecisionIds() {
    var ids = {};
    modeler.get("elementRegistry").getAll().forEach(function (element) {
      var called = calledDecision(element.businessObject);
      if (called && called.decisionId) { ids[called.decisionId] = true; }
    });
    return Object.keys(ids);
  }

  var decisionState = { decisionId: null, editor: null };

  function selectedRuleTask() {
    var selected = modeler.get("selection").get()[0];
    return selected && selected.type === "bpmn:BusinessRuleTask" ? selected : null;
  }

  function openDecisionDialog() {
    var task = selectedRuleTask();
    if (!task) { showSummary(M.noDecisionTask, "problem-bad"); return Promise.resolve(null); }
    var called = calledDecision(task.businessObject);
    var decisionId = called && called.decisionId;
    if (!decisionId || !decisions[decisionId]) {
      showSummary(fmt(M.noDecision, { id: decisionId || "?" }), "problem-bad");
      return Promise.resolve(null);
    }
    decisionState.decisionId = decisionId;
    document.getElementById("decision-title").textContent = fmt(M.decisionFor, { id: decisionId, task: task.businessObject.name || task.id });
    var container = document.getElementById("decision-editor");
    container.textContent = "";
    if (decisionState.editor) { decisionState.editor.destroy(); }
    decisionState.editor = new window.DmnJS({ container: container, common: { keyboard: { bindTo: window } } });
    window.decisionEditor = decisionState.editor;
    document.getElementById("decision-dialog").showModal();
    return decisionState.editor.importXML(decisions[decisionId]).then(function () {
      var views = decisionState.editor.getViews();
      var table = views.filter(function (v) { return v.type === "decisionTable"; })[0];
      if (table) { return decisionState.editor.open(table); }
      return null;
    }).then(function () { container.dataset.ready = "yes"; });
  }

  function keepDecision() {
    if (!decisionState.editor) { return Promise.resolve(null); }
    return decisionState.editor.saveXML({ format: true }).then(function (result) {
      decisions[decisionState.decisionId] = result.xml;
      setDirty(true);
      showSummary(M.decisionSaved, "problem-ok");
      document.getElementById("decision-dialog").close();
      scheduleLiveValidation();
      return result.xml;
    });
  }

  /* Problems --------------------------------------------------------------------------- */

  function clearProblems() {
    var canvas = modeler.get("canvas");
    var overlays = modeler.get("overlays");
    problemOverlays.forEach(function (id) { overlays.remove(id); });
    markedIds.forEach(function (id) { if (modeler.get("elementRegistry").get(id)) { canvas.removeMarker(id, "has-problem"); } });
    problemOverlays = [];
    markedIds = [];
    document.getElementById("problem-list").textContent = "";
  }

  function showSummary(text, className) {
    var summary = document.getElementById("problem-summary");
    summary.textContent = text;
    summary.className = className || "muted";
  }

  function selectElement(id) {
    var element = modeler.get("elementRegistry").get(id);
    if (!element) { return; }
    var canvas = modeler.get("canvas");
    if (element.type !== "bpmn:Process" && element.type !== "bpmn:Collaboration") {
      canvas.scrollToElement(element);
    }
    modeler.get("selection").select(element);
  }

  function problemItem(text, elementId, className) {
    var li = el("li", null, className);
    if (elementId) {
      li.dataset.elementId = elementId;
      var button = el("button", text);
      button.type = "button";
      button.addEventListener("click", function () { selectElement(elementId); });
      li.appendChild(button);
    } else {
      li.textContent = text;
    }
    return li;
  }

  function showProblems(problems) {
    clearProblems();
    var list = document.getElementById("problem-list");
    var registry = modeler.get("elementRegistry");
    problems.forEach(function (problem) {
      var where = [problem.file, problem.line ? "line " + problem.line : null].filter(Boolean).join(", ");
      var text = (problem.element_id ? problem.element_id + ": " : "") + problem.message + (where ? " (" + where + ")" : "");
      var known = problem.element_id && registry.get(problem.element_id);
      list.appendChild(problemItem(text, known ? problem.element_id : null, "problem-error"));
      if (known) {
        modeler.get("canvas").addMarker(problem.element_id, "has-problem");
        markedIds.push(problem.element_id);
        problemOverlays.push(modeler.get("overlays").add(problem.element_id, "problem", {
          position: { top: -28, left: 0 }, html: el("div", problem.message, "problem-overlay"),
        }));
      }
    });
    document.body.dataset.validated = problems.length ? "problems" : "ok";
    showSummary(problems.length ? M.problemsFound : M.noProblems, problems.length ? "problem-bad" : "problem-ok");
  }

  modeler.on("linting.completed", function (event) {
    var list = document.getElementById("lint-list");
    list.textContent = "";
    Object.keys(event.issues || {}).forEach(function (id) {
      event.issues[id].forEach(function (issue) {
        list.appendChild(problemItem(id + ": " + issue.message + " [" + issue.rule + "]", id, "lint-" + issue.category));
      });
    });
  });

  /* Server calls ----------------------------------------------------------------------- */

  function payload(extra) {
    return modeler.saveXML({ format: true }).then(function (result) {
      var used = {};
      referencedFormIds().forEach(function (id) { if (forms[id]) { used[id] = forms[id]; } });
      var usedDecisions = {};
      referencedDecisionIds().forEach(function (id) { if (decisions[id]) { usedDecisions[id] = decisions[id]; } });
      return Object.assign({ xml: result.xml, name: fileName, forms: used, decisions: usedDecisions }, extra || {});
    });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0) { throw new Error(fmt(M.requestFailed, { status: response.status })); }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function validate() {
    showSummary(M.validating);
    return payload().then(function (body) { return post(setup.urls.validate, body); }).then(function (answer) {
      showProblems(answer.data.problems || (answer.status === 200 ? [] : [{ message: answer.data.message }]));
      return answer.data;
    }).catch(function (err) { showSummary(String(err.message || err), "problem-bad"); });
  }

  function renderChanges(changes) {
    var box = document.getElementById("deploy-changes");
    box.textContent = "";
    changes.forEach(function (change) {
      box.appendChild(el("h3", change.process_id + (change.previous_version ? " · " + fmt(M.againstVersion, { version: change.previous_version }) : "")));
      if (change.new_process) { box.appendChild(el("p", M.newProcess, "muted")); return; }
      if (!change.elements.length) { box.appendChild(el("p", M.noChanges, "muted")); return; }
      var ul = el("ul", null, "diff-list");
      change.elements.forEach(function (e) {
        var li = el("li", M[e.status] + ": " + e.id + (e.name ? " (" + e.name + ")" : "") + " · " + e.type, "diff-" + e.status);
        li.dataset.elementId = e.id;
        if (e.changes.length) {
          var details = el("ul");
          e.changes.forEach(function (c) {
            details.appendChild(el("li", (c.path || e.type) + ": " + (c.old === null ? "∅" : c.old) + " → " + (c.new === null ? "∅" : c.new)));
          });
          li.appendChild(details);
        }
        ul.appendChild(li);
      });
      box.appendChild(ul);
    });
  }

  function openDeployDialog() {
    var result = document.getElementById("deploy-result");
    result.textContent = "";
    document.getElementById("deploy-changes").textContent = M.validating;
    document.getElementById("deploy-dialog").showModal();
    return payload().then(function (body) { return post(setup.urls.diff, body); }).then(function (answer) {
      if (answer.status !== 200) { document.getElementById("deploy-changes").textContent = answer.data.message; return; }
      renderChanges(answer.data.changes);
    }).catch(function (err) { document.getElementById("deploy-changes").textContent = String(err.message || err); });
  }

  function deploy(comment) {
    var result = document.getElementById("deploy-result");
    if (!comment || !comment.trim()) { result.textContent = M.commentRequired; return Promise.resolve(null); }
    result.textContent = M.deploying;
    return payload({ comment: comment }).then(function (body) { return post(setup.urls.deploy, body); }).then(function (answer) {
      if (answer.status !== 200) {
        result.textContent = answer.data.message;
        if (answer.data.problems) { showProblems(answer.data.problems); }
        document.body.dataset.deployed = "refused";
        return answer.data;
      }
      result.textContent = "";
      answer.data.deployed.forEach(function (d) {
        var what = d.process_id + " v" + d.version;
        var link = el("a", fmt(d.created ? M.deployed : M.unchanged, { what: what }));
        link.href = d.url;
        result.appendChild(link);
        result.appendChild(document.createTextNode(" "));
      });
      if (answer.data.changes) { renderChanges(answer.data.changes); }
      showProblems([]);
      setDirty(false);
      document.body.dataset.deployed = "yes";
      return answer.data;
    }).catch(function (err) { result.textContent = String(err.message || err); });
  }

  /* Files ------------------------------------------------------------------------------ */

  function offerDownload(link, blob, name) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name || link.getAttribute("download");
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  document.getElementById("btn-download-bpmn").addEventListener("click", function (event) {
    event.preventDefault();
    modeler.saveXML({ format: true }).then(function (r) {
      offerDownload(event.target, new Blob([r.xml], { type: "application/xml" }), fileName);
    });
  });
  document.getElementById("btn-download-svg").addEventListener("click", function (event) {
    event.preventDefault();
    modeler.saveSVG().then(function (r) {
      offerDownload(event.target, new Blob([r.svg], { type: "image/svg+xml" }), fileName.replace(/\.bpmn$/, "") + ".svg");
    });
  });
  document.getElementById("file-import").addEventListener("change", function (event) {
    var file = event.target.files[0];
    if (!file) { return; }
    file.text().then(function (text) {
      return importXml(text).then(function () { fileName = file.name; setDirty(true); });
    }).catch(function (err) { showSummary(fmt(M.importFailed, { error: err.message || err }), "problem-bad"); });
    event.target.value = "";
  });

  document.getElementById("btn-validate").addEventListener("click", validate);
  document.getElementById("btn-deploy").addEventListener("click", openDeployDialog);
  document.getElementById("deploy-confirm").addEventListener("click", function () {
    deploy(document.getElementById("deploy-comment").value);
  });
  document.getElementById("deploy-cancel").addEventListener("click", function () { document.getElementById("deploy-dialog").close(); });
  document.getElementById("btn-form").addEventListener("click", openFormDialog);
  document.getElementById("form-keep").addEventListener("click", keepForm);
  document.getElementById("form-cancel").addEventListener("click", function () { document.getElementById("form-dialog").close(); });
  document.getElementById("btn-decision").addEventListener("click", openDecisionDialog);
  document.getElementById("decision-keep").addEventListener("click", keepDecision);
  document.getElementById("decision-cancel").addEventListener("click", function () { document.getElementById("decision-dialog").close(); });
  document.getElementById("tab-edit").addEventListener("click", function (e) { e.preventDefault(); showFormTab("edit"); });
  document.getElementById("tab-preview").addEventListener("click", function (e) { e.preventDefault(); showFormTab("preview"); });

  window.allianceEditor = {
    modeler: modeler, forms: forms, decisions: decisions, validate: validate,
    openDecisionDialog: openDecisionDialog, keepDecision: keepDecision, deploy: deploy, openDeployDialog: openDeployDialog,
    setTaskForm: function (elementId, formId, schema) {
      return setTaskForm(modeler.get("elementRegistry").get(elementId), formId, schema);
    },
    referencedFormIds: referencedFormIds, importXml: importXml, selectElement: selectElement,
    isDirty: function () { return dirty; },
  };

  importXml(setup.xml).then(function () {
    setDirty(false);
    if (setup.liveValidation) { validate(); }
  }).catch(function (err) {
    showSummary(fmt(M.importFailed, { error: err.message || err }), "problem-bad");
  });
}());
