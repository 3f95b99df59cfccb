// Import BPMN files with bpmn-moddle (plus the Zeebe extension, as Camunda
// Modeler does) and print one JSON object: {"<file>": ["warning", ...], ...}.
//
// Usage: node moddle_check.mjs file.bpmn [file.bpmn ...]
// Exit status 0 when every file was read (warnings are data for the caller),
// 2 when a file could not be read at all.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { BpmnModdle } from 'bpmn-moddle';

const require = createRequire(import.meta.url);
const zeebe = require('zeebe-bpmn-moddle/resources/zeebe.json');

const moddle = new BpmnModdle({ zeebe });

const results = {};
let failed = false;

for (const file of process.argv.slice(2)) {
  try {
    const xml = await readFile(file, 'utf8');
    const { rootElement, warnings } = await moddle.fromXML(xml, 'bpmn:Definitions');
    const messages = warnings.map((w) => w.message);
    if (!rootElement || !rootElement.rootElements || rootElement.rootElements.length === 0) {
      messages.push('no root elements: not a BPMN 2.0 definitions document');
    }
    results[file] = messages;
  } catch (err) {
    failed = true;
    results[file] = [`import failed: ${err.message}`];
  }
}

process.stdout.write(JSON.stringify(results, null, 2) + '\n');
process.exit(failed ? 2 : 0);
