'use strict';

/**
 * PM2 process file: `pm2 start ecosystem.config.js` (after `npm ci && npm run build`).
 *
 * - api ×2 (cluster mode: both share HTTP_PORT), worker cluster (one per CPU), one stream consumer (the
 *   Redis leader lease makes extra ones standbys anyway), one scheduler (upserts are idempotent).
 * - `wait_ready`: PM2 waits for `process.send('ready')`, sent once every component has started.
 * - `kill_timeout` is above SHUTDOWN_TIMEOUT_MS (30 s) so a draining process is never SIGKILLed mid-job; PM2
 *   sends SIGINT first, which drains workers and closes everything in order.
 * - Every process also serves /metrics, /healthz and /readyz on its own METRICS_PORT (+1 per instance through
 *   `increment_var`) so Prometheus can scrape each one.
 *
 * Secrets (GENESYS_CLIENT_SECRET, API_KEYS, AUDIT_DATABASE_URL) come from the environment PM2 is started
 * in, never from this file.
 */
const shared = {
  script: 'dist/main.js',
  cwd: __dirname,
  node_args: '--max-old-space-size=512',
  wait_ready: true,
  listen_timeout: 20000,
  kill_timeout: 35000,
  max_memory_restart: '600M',
  exp_backoff_restart_delay: 200,
  merge_logs: true,
  time: false,
  env: {
    NODE_ENV: 'production',
    SHUTDOWN_TIMEOUT_MS: '30000',
  },
};

module.exports = {
  apps: [
    {
      ...shared,
      name: 'presence-api',
      args: 'start --role api',
      exec_mode: 'cluster',
      instances: 2,
      // Both instances share HTTP_PORT; METRICS_PORT (+1 per instance) lets Prometheus scrape each one.
      increment_var: 'METRICS_PORT',
      env: { ...shared.env, HTTP_HOST: '0.0.0.0', HTTP_PORT: '3000', METRICS_PORT: '9420' },
    },
    {
      ...shared,
      name: 'presence-worker',
      args: 'start --role worker',
      exec_mode: 'cluster',
      instances: process.env.PRESENCE_WORKER_INSTANCES || 'max',
      // Live heap ~50-65 MiB under full load (BENCHMARKS.md, memory): the cap keeps RSS under 200 MB and makes V8
      // collect instead of growing its heap. The memory benchmark starts its worker with these flags.
      node_args: '--max-old-space-size=128',
      increment_var: 'METRICS_PORT',
      env: { ...shared.env, METRICS_PORT: '9410' },
    },
    {
      ...shared,
      name: 'presence-stream',
      args: 'start --role stream',
      exec_mode: 'fork',
      instances: 1,
      env: { ...shared.env, METRICS_PORT: '9400' },
    },
    {
      ...shared,
      name: 'presence-scheduler',
      args: 'start --role scheduler',
      exec_mode: 'fork',
      instances: 1,
      node_args: '--max-old-space-size=256',
      env: { ...shared.env, METRICS_PORT: '9401' },
    },
  ],
};
