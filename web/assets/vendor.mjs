// Copy the front-end files the app serves from node_modules into web/static/vendor/
// (git-ignored), so that the wheel ships them and an installed app needs no Node.
// Only the files listed here are copied; web/assets.py serves them under /vendor/.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

// [package directory in node_modules, files or folders inside it]
export const VENDOR_FILES = [
  ['bpmn-js', ['LICENSE', 'dist/assets', 'dist/bpmn-navigated-viewer.production.min.js']],
  ['@bpmn-io/form-js', ['LICENSE', 'dist/assets', 'dist/form-viewer.umd.js', 'dist/form-editor.umd.js']],
  ['dmn-js', ['LICENSE', 'dist/assets', 'dist/dmn-modeler.production.min.js']],
  ['swagger-ui-dist', ['LICENSE', 'NOTICE', 'swagger-ui.css', 'swagger-ui-bundle.js',
                       'swagger-ui-standalone-preset.js']],
];

const SKIP = /\.(map|scss|ts|md)$/;

export function copyVendor(root) {
  const modules = join(root, 'node_modules');
  const target = join(root, 'web', 'static', 'vendor');
  rmSync(target, { recursive: true, force: true });
  let count = 0;
  for (const [pkg, entries] of VENDOR_FILES) {
    for (const entry of entries) {
      const from = join(modules, pkg, entry);
      if (!existsSync(from)) {
        throw new Error(`vendor file missing: node_modules/${pkg}/${entry} (run npm ci)`);
      }
      const to = join(target, pkg, entry);
      mkdirSync(dirname(to), { recursive: true });
      cpSync(from, to, { recursive: true, filter: (src) => !SKIP.test(src) });
      count += 1;
    }
  }
  return { target, count, packages: readdirSync(target).length };
}
