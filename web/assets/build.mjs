// Bundle the analysts' modeler (bpmn-js + properties panel + Zeebe moddle + bpmnlint)
// into web/static/build/modeler.js and modeler.css, and copy the vendor files the app serves
// (bpmn-js, form-js, Swagger UI) into web/static/vendor/. Run by `npm run build` (`make setup`).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

import { copyVendor } from './vendor.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const require = createRequire(join(root, 'package.json'));

// bpmnlint resolves rules with require() at run time; in the browser it needs a
// "packed" config: the rule modules imported statically plus a resolver over them.
function packedLintConfig() {
  const recommended = require('bpmnlint/config/recommended.js');
  const names = Object.keys(recommended.rules);
  const imports = names.map((name, i) => `import rule${i} from 'bpmnlint/rules/${name}';`);
  const cache = names.map((name, i) => `cache['bpmnlint/${name}'] = rule${i};`);
  return [
    ...imports,
    'const cache = {};',
    ...cache,
    'const resolver = {',
    '  resolveRule(pkg, name) {',
    "    const rule = cache[pkg + '/' + name];",
    "    if (!rule) { throw new Error('cannot resolve rule ' + pkg + '/' + name); }",
    '    return rule;',
    '  },',
    "  resolveConfig(pkg, name) { throw new Error('cannot resolve config ' + pkg + ':' + name); }",
    '};',
    `const config = { rules: ${JSON.stringify(recommended.rules)} };`,
    'export { resolver, config };',
    'export default { resolver, config };',
  ].join('\n');
}

const lintConfigPlugin = {
  name: 'bpmnlint-packed-config',
  setup(build) {
    build.onResolve({ filter: /^virtual:bpmnlint-config$/ }, (args) => ({
      path: args.path, namespace: 'bpmnlint-config',
    }));
    build.onLoad({ filter: /.*/, namespace: 'bpmnlint-config' }, () => ({
      contents: packedLintConfig(), resolveDir: root, loader: 'js',
    }));
  },
};

await esbuild.build({
  entryPoints: { modeler: join(here, 'modeler.mjs') },
  outdir: join(root, 'web', 'static', 'build'),
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'iife',
  target: ['es2020'],
  legalComments: 'none',
  loader: { '.svg': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl',
            '.eot': 'dataurl' },
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [lintConfigPlugin],
  logLevel: 'info',
});

const version = JSON.parse(readFileSync(join(root, 'node_modules', 'bpmn-js', 'package.json'))).version;
console.log(`modeler bundle written (bpmn-js ${version})`);

const vendor = copyVendor(root);
console.log(`vendor files copied to ${vendor.target} (${vendor.count} entries)`);
