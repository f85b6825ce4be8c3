#!/usr/bin/env node
'use strict';

/**
 * `npm run bench -- <name> [options]`: builds the service (`npm run build`, done by the npm script), then runs
 * `bench/<name>.ts` as its own Node process with the TypeScript require hook (scripts/bench-ts-hook.js). The bench
 * prints its table and ends with one line `bench <name>: key=value …`; this runner adds nothing after it and exits
 * with the bench's exit code.
 *
 *   npm run bench -- burst
 *   npm run bench -- throughput --runs 1
 *   npm run bench -- --list
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, hookPath } = require('./bench-ts-hook');

const BENCH_DIR = path.join(ROOT, 'bench');

function available() {
  if (!fs.existsSync(BENCH_DIR)) {
    return [];
  }
  return fs
    .readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

function usage(names) {
  return `usage: npm run bench -- <name> [options]\n\nbenchmarks: ${names.join(', ')}\nresults: BENCHMARKS.md\n`;
}

function main() {
  const [name, ...rest] = process.argv.slice(2);
  const names = available();
  if (name === undefined || name === '--help' || name === '-h' || name === '--list') {
    process.stdout.write(usage(names));
    return Promise.resolve(name === undefined ? 2 : 0);
  }
  if (!names.includes(name)) {
    process.stderr.write(`unknown benchmark "${name}"\n\n${usage(names)}`);
    return Promise.resolve(2);
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'main.js'))) {
    process.stderr.write('dist/main.js is missing: run `npm run build` first (npm run bench does)\n');
    return Promise.resolve(2);
  }
  const file = path.join(BENCH_DIR, `${name}.ts`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', '--require', hookPath, file, ...rest], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production' },
    });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      if (signal !== null) {
        process.stderr.write(`benchmark ${name} ended by ${signal}\n`);
      }
      resolve(code ?? 1);
    });
  });
}

main().then((code) => {
  process.exitCode = code;
});
