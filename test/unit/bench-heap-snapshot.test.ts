import { stringShape, summarizeHeap, type HeapSnapshot } from '../../bench/lib/heap-snapshot';

const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure'];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

/** A tiny snapshot: Root.memo → Map[0] → Timeline{start, end} (two timestamp strings), plus a weak edge. */
function snapshot(): HeapSnapshot {
  const strings = [
    '',
    'Root',
    'memo',
    'Map',
    'Timeline',
    'start',
    'end',
    '2026-12-06T07:00:00.000Z',
    '2026-12-06T08:00:00.000Z',
  ];
  const s = (value: string): number => strings.indexOf(value);
  const t = (type: string): number => NODE_TYPES.indexOf(type);
  const e = (type: string): number => EDGE_TYPES.indexOf(type);
  const F = 5; // type, name, id, self_size, edge_count
  // prettier-ignore
  const nodes = [
    t('object'), s('Root'), 1, 16, 1,
    t('object'), s('Map'), 2, 32, 1,
    t('object'), s('Timeline'), 3, 24, 2,
    t('string'), s('2026-12-06T07:00:00.000Z'), 4, 40, 0,
    t('string'), s('2026-12-06T08:00:00.000Z'), 5, 40, 1,
  ];
  // prettier-ignore
  const edges = [
    e('property'), s('memo'), 1 * F,
    e('element'), 0, 2 * F,
    e('property'), s('start'), 3 * F,
    e('property'), s('end'), 4 * F,
    e('weak'), s('Root'), 0,
  ];
  return {
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
        node_types: [NODE_TYPES],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [EDGE_TYPES],
      },
    },
    nodes,
    edges,
    strings,
  };
}

describe('heap snapshot summary', () => {
  it('folds ids and numbers into a string shape', () => {
    expect(stringShape('2026-12-06T07:00:00.000Z')).toBe('9-9-9T9:9:9.9Z');
    expect(stringShape('a1b2c3d4-0000-4000-8000-123456789abc.req')).toBe('<uuid>.req');
    expect(stringShape('x'.repeat(60))).toHaveLength(48);
  });

  it('totals self sizes by constructor and strings by shape', () => {
    const summary = summarizeHeap(snapshot());
    expect(summary.totalBytes).toBe(152);
    expect(summary.byConstructor[0]).toEqual({ name: '(string)', count: 2, bytes: 80 });
    expect(summary.byConstructor.map((g) => g.name)).toEqual(['(string)', 'Map', 'Timeline', 'Root']);
  });

  it('names who keeps a sample of each string group alive, nearest owner first, ignoring weak edges', () => {
    const [timestamps] = summarizeHeap(snapshot()).strings;
    expect(timestamps).toEqual({
      name: '9-9-9T9:9:9.9Z',
      count: 2,
      bytes: 80,
      retainedBy: ['Timeline.start', 'Map.[0]', 'Root.memo'],
    });
  });
});
