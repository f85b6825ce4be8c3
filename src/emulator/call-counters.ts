/** Per-route call counters, keyed `METHOD /route/template` (e.g. `PATCH /api/v2/users/:userId/presences/purecloud`). */
export class CallCounters {
  private readonly counts = new Map<string, number>();

  increment(method: string, route: string): void {
    const key = `${method} ${route}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  get(method: string, route: string): number {
    return this.counts.get(`${method.toUpperCase()} ${route}`) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) {
      sum += n;
    }
    return sum;
  }

  reset(): void {
    this.counts.clear();
  }
}
