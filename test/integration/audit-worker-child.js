'use strict';
// Child process entry of the audit crash test: compiles TypeScript on the fly with @swc/core (as jest does) and
// runs audit-worker-child-run.ts. Not a test file.
const fs = require('node:fs');
const swc = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};

require('./audit-worker-child-run.ts');
