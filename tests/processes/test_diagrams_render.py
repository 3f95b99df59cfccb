"""Each processes/*.bpmn renders in bpmn-js (the viewer the modeler and the case page use).

Debian's chromium loads bpmn-js's navigated viewer bundle into a blank page; `importXML` must
report no warning, every flow node must have a rendered shape, no two shapes may overlap (a
boundary event sits on its task, a subprocess holds its own elements) and no label may cover a
shape other than its own. A PNG of each diagram is saved under test-output/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.browser import CHROMIUM

REPO = Path(__file__).resolve().parents[2]
PROCESSES = REPO / "processes"
VIEWER = REPO / "node_modules" / "bpmn-js" / "dist" / "bpmn-navigated-viewer.production.min.js"
VIEWER_CSS = REPO / "node_modules" / "bpmn-js" / "dist" / "assets"
SCREENSHOTS = REPO / "test-output" / "screenshots"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FLOW_NODES = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
              "boundaryEvent", "task", "userTask", "serviceTask", "scriptTask", "sendTask",
              "receiveTask", "manualTask", "businessRuleTask", "callActivity", "subProcess",
              "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
              "complexGateway"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                      "(apt-get install chromium)"),
    pytest.mark.skipif(not VIEWER.exists(), reason="needs bpmn-js in node_modules (npm install)"),
]

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<style>html, body { margin: 0; height: 100%; background: #fff; }
#canvas { width: 100%; height: 100%; }</style>
</head><body><div id="canvas"></div></body></html>"""

# Imports the XML, fits it, and returns warnings plus every shape's and label's box (diagram units).
RENDER = """async (xml) => {
  const viewer = new BpmnJS({ container: '#canvas' });
  let warnings = [];
  try {
    const result = await viewer.importXML(xml);
    warnings = result.warnings.map(w => String(w.message || w));
  } catch (err) {
    return { error: String(err.message || err), warnings: (err.warnings || []).map(w => String(w.message)) };
  }
  viewer.get('canvas').zoom('fit-viewport', 'auto');
  const registry = viewer.get('elementRegistry');
  const shapes = registry.filter(e => !e.waypoints && e.type !== 'label' && e.businessObject
                                      && e.type !== 'bpmn:Process' && e.type !== 'bpmn:Collaboration')
    .map(e => ({ id: e.id, type: e.type, x: e.x, y: e.y, width: e.width, height: e.height,
                 parent: e.parent ? e.parent.id : null, host: e.host ? e.host.id : null,
                 rendered: !!document.querySelector(`[data-element-id="${e.id}"]`) }));
  const labels = registry.filter(e => e.type === 'label')
    .map(e => ({ id: e.id, owner: e.labelTarget.id, x: e.x, y: e.y, width: e.width, height: e.height,
                 text: e.businessObject.name || '' }));
  return { warnings, shapes, labels };
}"""


def flow_node_ids(path: Path) -> set[str]:
    root = etree.parse(str(path)).getroot()
    return {el.get("id") for el in root.iter(f"{{{BPMN}}}*")
            if etree.QName(el).localname in FLOW_NODES and el.get("id")}


def overlap(a: dict[str, Any], b: dict[str, Any], margin: float = 0.0) -> bool:
    return (a["x"] + margin < b["x"] + b["width"] and b["x"] + margin < a["x"] + a["width"]
            and a["y"] + margin < b["y"] + b["height"] and b["y"] + margin < a["y"] + a["height"])


def inside(inner: dict[str, Any], outer: dict[str, Any]) -> bool:
    return (outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
            and outer["y"] <= inner["y"] and inner["y"] + inner["height"] <= outer["y"] + outer["height"])


def ancestors(shape_id: str, by_id: dict[str, dict[str, Any]]) -> set[str]:
    seen: set[str] = set()
    current = by_id.get(shape_id)
    while current is not None and current["parent"] and current["parent"] not in seen:
        seen.add(current["parent"])
        current = by_id.get(current["parent"])
    return seen


def layout_problems(shapes: list[dict[str, Any]], labels: list[dict[str, Any]]) -> list[str]:
    """Overlapping flow nodes, and labels covering another element's shape."""
    by_id = {s["id"]: s for s in shapes}
    nodes = [s for s in shapes if s["type"] not in ("bpmn:Participant", "bpmn:Lane")]
    problems: list[str] = []
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            related = (a["host"] == b["id"] or b["host"] == a["id"]
                       or a["id"] in ancestors(b["id"], by_id) or b["id"] in ancestors(a["id"], by_id))
            if not related and overlap(a, b):
                problems.append(f"shapes overlap: {a['id']} and {b['id']}")
    for label in labels:
        if not label["text"]:
            continue
        for node in nodes:
            owner = by_id.get(label["owner"])
            if node["id"] == label["owner"] or (owner is not None and owner["host"] == node["id"]):
                continue
            if node["type"] == "bpmn:SubProcess" and inside(label, node):
                continue  # a label inside the subprocess's frame, not on one of its shapes
            if overlap(label, node, margin=1.0):
                problems.append(f"label of {label['owner']} ({label['text']!r}) covers {node['id']}")
    return problems


@pytest.fixture(scope="module")
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1800, "height": 1000}, device_scale_factor=1)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("bpmn_file", sorted(PROCESSES.glob("*.bpmn")), ids=lambda p: p.stem)
def test_each_process_renders_in_bpmn_js(page: Any, bpmn_file: Path) -> None:
    page.set_content(PAGE)
    for css in ("diagram-js.css", "bpmn-js.css", "bpmn-font/css/bpmn.css"):
        if (VIEWER_CSS / css).exists():
            page.add_style_tag(path=str(VIEWER_CSS / css))
    page.add_script_tag(path=str(VIEWER))
    result = page.evaluate(RENDER, bpmn_file.read_text(encoding="utf-8"))

    assert "error" not in result, result
    assert result["warnings"] == []
    rendered = {s["id"] for s in result["shapes"] if s["rendered"]}
    missing = flow_node_ids(bpmn_file) - rendered
    assert not missing, f"flow nodes without a rendered shape: {sorted(missing)}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"diagram-{bpmn_file.stem}.png"), full_page=True)
    problems = layout_problems(result["shapes"], result["labels"])
    assert problems == [], "\n".join(problems)
