import { counterTotals, histogramMeans, parsePrometheus } from '../../bench/lib/service-metrics';

const TEXT = `# HELP gpw_genesys_batch_size Agents per presence call.
# TYPE gpw_genesys_batch_size histogram
gpw_genesys_batch_size_bucket{le="50",kind="bulk-put"} 4
gpw_genesys_batch_size_sum{kind="bulk-put"} 120
gpw_genesys_batch_size_count{kind="bulk-put"} 4
gpw_genesys_batch_size_sum{kind="patch"} 1
gpw_genesys_batch_size_count{kind="patch"} 1
gpw_genesys_calls_total{route="PUT /api/v2/users/presences/bulk",status="200"} 4
gpw_genesys_calls_total{route="GET /api/v2/users/presences/purecloud/bulk",status="200"} 5
process_resident_memory_bytes 123456789
weird_label{message="a \\"quoted\\" value"} 1
`;

describe('service metrics of a benchmark', () => {
  it('parses samples with their labels', () => {
    const samples = parsePrometheus(TEXT);
    expect(samples).toContainEqual({ name: 'process_resident_memory_bytes', labels: {}, value: 123456789 });
    expect(samples).toContainEqual({
      name: 'weird_label',
      labels: { message: 'a "quoted" value' },
      value: 1,
    });
    expect(samples.filter((s) => s.name.startsWith('#'))).toEqual([]);
  });

  it('gives the mean of a histogram per label set, over several processes', () => {
    const twoProcesses = [...parsePrometheus(TEXT), ...parsePrometheus(TEXT)];
    expect(histogramMeans(twoProcesses, 'gpw_genesys_batch_size')).toEqual([
      { key: 'kind=bulk-put', count: 8, sum: 240, mean: 30 },
      { key: 'kind=patch', count: 2, sum: 2, mean: 1 },
    ]);
  });

  it('sums counters per label set', () => {
    expect(counterTotals(parsePrometheus(TEXT), 'gpw_genesys_calls_total')).toEqual([
      { key: 'route=GET /api/v2/users/presences/purecloud/bulk status=200', value: 5 },
      { key: 'route=PUT /api/v2/users/presences/bulk status=200', value: 4 },
    ]);
  });
});
