'use strict';

/**
 * A require hook that lets Node run the TypeScript benchmark files (bench/*.ts) and the sources they import
 * (src/*.ts) without a separate compile step: each .ts file under this repository is transformed to CommonJS by
 * @swc/core (already a dev dependency for the tests) when it is first required. Type checking is `npm run typecheck`'s
 * job (tsconfig.json includes bench/).
 *
 * Load it with `node --require ./scripts/bench-ts-hook.js file.ts`, or `require()` it before requiring a .ts file.
 */
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const ROOT = path.resolve(__dirname, '..');
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

function compile(source, filename) {
  const { code } = transformSync(source, {
    filename,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  return code;
}

if (require.extensions['.ts'] === undefined) {
  require.extensions['.ts'] = (module, filename) => {
    if (!filename.startsWith(ROOT) || filename.includes(NODE_MODULES)) {
      throw new Error(`bench-ts-hook: refusing to compile ${filename} (outside the repository)`);
    }
    const source = fs.readFileSync(filename, 'utf8');
    module._compile(compile(source, filename), filename);
  };
}

module.exports = { ROOT, hookPath: __filename };
