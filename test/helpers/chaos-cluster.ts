import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, OwnRedis } from './chaos-redis';

const run = promisify(execFile);

export interface ClusterNodeInfo {
  id: string;
  port: number;
  role: 'master' | 'slave';
  /** For a replica: the id of its master. */
  masterId?: string;
  failed: boolean;
}

async function untilTrue(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function withNode<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/**
 * A Redis Cluster of one test: 3 masters + 3 replicas (`redis-server --cluster-enabled yes` on free loopback
 * ports, each in its own folder under one temp folder), created with `redis-cli --cluster create …
 * --cluster-replicas 1 --cluster-yes`. A short `cluster-node-timeout` makes a killed master's replica take over
 * within a few seconds.
 */
export class RedisClusterFixture {
  private constructor(
    readonly nodes: OwnRedis[],
    private readonly dir: string,
  ) {}

  static async start(options: { nodeTimeoutMs?: number } = {}): Promise<RedisClusterFixture> {
    const dir = await mkdtemp(path.join(tmpdir(), 'chaos-cluster-'));
    const nodes: OwnRedis[] = [];
    const fixture = new RedisClusterFixture(nodes, dir);
    try {
      for (let i = 0; i < 6; i += 1) {
        const port = await freePort();
        const nodeDir = path.join(dir, String(port));
        await mkdir(nodeDir);
        nodes.push(
          await OwnRedis.start({
            port,
            dir: nodeDir,
            args: [
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              'nodes.conf',
              '--cluster-node-timeout',
              String(options.nodeTimeoutMs ?? 1500),
              // Replicas take over even right after a restart of the test (no data-age veto).
              '--cluster-replica-validity-factor',
              '0',
              '--appendfsync',
              'everysec',
            ],
          }),
        );
      }
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...nodes.map((n) => `127.0.0.1:${n.port}`),
          '--cluster-replicas',
          '1',
          '--cluster-yes',
        ],
        { timeout: 60_000 },
      );
      await fixture.waitHealthy(30_000);
    } catch (err) {
      await fixture.destroy();
      throw err;
    }
    return fixture;
  }

  /** `host:port` seeds for REDIS_CLUSTER_NODES. */
  get seeds(): string[] {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`);
  }

  /** The cluster as a live node sees it. */
  async topology(): Promise<ClusterNodeInfo[]> {
    const live = this.nodes.filter((n) => n.running);
    for (const node of live) {
      try {
        const text = await withNode(node.port, (r) => r.call('CLUSTER', 'NODES') as Promise<string>);
        return text
          .trim()
          .split('\n')
          .map((line) => {
            const [id = '', addr = '', flags = '', master = '-'] = line.split(' ');
            const port = Number(addr.split('@')[0]?.split(':')[1]);
            return {
              id,
              port,
              role: flags.includes('master') ? 'master' : 'slave',
              ...(master === '-' ? {} : { masterId: master }),
              failed: flags.includes('fail'),
            } as ClusterNodeInfo;
          });
      } catch {
        // try the next node
      }
    }
    throw new Error('no cluster node answers');
  }

  /**
   * Until every running node reports `cluster_state:ok` and sees three healthy masters covering all slots.
   * Bounded; polling, because the cluster's own gossip decides when it is done.
   */
  async waitHealthy(timeoutMs: number): Promise<void> {
    await untilTrue('cluster healthy', timeoutMs, async () => {
      for (const node of this.nodes.filter((n) => n.running)) {
        const info = await withNode(node.port, (r) => r.call('CLUSTER', 'INFO') as Promise<string>);
        if (!info.includes('cluster_state:ok') || !info.includes('cluster_slots_ok:16384')) {
          return false;
        }
      }
      const masters = (await this.topology()).filter((n) => n.role === 'master' && !n.failed);
      return masters.length === 3;
    });
  }

  /**
   * SIGKILLs one master and waits until its replica has been promoted and the cluster is healthy again.
   * Returns the killed master's port and the promoted replica's port.
   */
  async killMaster(index = 0, timeoutMs = 30_000): Promise<{ killed: number; promoted: number }> {
    const before = await this.topology();
    const master = before.filter((n) => n.role === 'master' && !n.failed)[index];
    if (master === undefined) {
      throw new Error(`no master #${index}`);
    }
    const replica = before.find((n) => n.masterId === master.id);
    const node = this.nodes.find((n) => n.port === master.port);
    if (replica === undefined || node === undefined) {
      throw new Error('the master has no replica');
    }
    await node.kill();
    await untilTrue('replica promoted', timeoutMs, async () => {
      const now = await this.topology();
      return now.some((n) => n.id === replica.id && n.role === 'master');
    });
    await this.waitHealthy(timeoutMs);
    return { killed: master.port, promoted: replica.port };
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.destroy()));
    await rm(this.dir, { recursive: true, force: true });
  }
}
