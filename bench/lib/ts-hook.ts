import path from 'node:path';

/** The require hook that runs .ts files in child processes (`node --require <hookPath> file.ts`). */
export const hookPath = path.resolve(__dirname, '..', '..', 'scripts', 'bench-ts-hook.js');
