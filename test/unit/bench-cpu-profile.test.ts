import { areaOf, topAreas, topFunctions, type CpuProfile } from '../../bench/lib/cpu-profile';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

const profile: CpuProfile = {
  startTime: 0,
  endTime: 1_000,
  nodes: [
    { id: 1, callFrame: frame('(root)', '') },
    { id: 2, callFrame: frame('(idle)', '') },
    { id: 3, callFrame: frame('parse', 'file:///repo/node_modules/ioredis/built/Parser.js', 9) },
    { id: 4, callFrame: frame('processJob', 'file:///repo/dist/workers/presence-processor.js', 41) },
    { id: 5, callFrame: frame('(garbage collector)', '') },
    { id: 6, callFrame: frame('', 'node:internal/streams/readable', 3) },
  ],
  samples: [2, 2, 2, 2, 3, 3, 4, 5, 6, 2],
};

describe('CPU profile summary', () => {
  it('ranks functions by self time with their file and line', () => {
    expect(topFunctions(profile, 3)).toEqual([
      { name: '(idle)', percent: 50 },
      { name: 'parse (ioredis/built/Parser.js:10)', percent: 20 },
      { name: 'processJob (dist/workers/presence-processor.js:42)', percent: 10 },
    ]);
  });

  it('groups self time by package, folder of ours, node core, GC and idle', () => {
    const areas = topAreas(profile, 10);
    expect(areas).toContainEqual({ name: 'ioredis', percent: 20 });
    expect(areas).toContainEqual({ name: 'dist/workers', percent: 10 });
    expect(areas).toContainEqual({ name: 'node core', percent: 10 });
    expect(areas).toContainEqual({ name: '(garbage collector)', percent: 10 });
  });

  it('falls back to hit counts when a profile has no samples', () => {
    const counted: CpuProfile = {
      startTime: 0,
      endTime: 1,
      nodes: [
        { id: 1, callFrame: frame('a', 'file:///x/src/jobs/a.ts'), hitCount: 3 },
        { id: 2, callFrame: frame('b', 'file:///x/src/jobs/b.ts'), hitCount: 1 },
      ],
    };
    expect(topFunctions(counted, 1)).toEqual([{ name: 'a (src/jobs/a.ts:1)', percent: 75 }]);
  });

  it('names scoped packages with their scope', () => {
    expect(areaOf('file:///r/node_modules/@swc/core/index.js', 'x')).toBe('@swc/core');
    expect(areaOf('', '(program)')).toBe('(program)');
    expect(areaOf('', 'someNative')).toBe('(native)');
  });
});
