# syntax=docker/dockerfile:1
# Multi-stage build of presence-worker: compile with dev dependencies, ship only dist/ and production
# dependencies on a slim Node 20 image, run as the unprivileged `node` user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# `prepare` compiles src/, which is not copied yet: skip scripts here and build explicitly below.
RUN npm ci --ignore-scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=3000 \
    AUDIT_DIR=/data/audit \
    TIMESHEET_DIR=/data/timesheets \
    NODE_OPTIONS=--max-old-space-size=384
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# /healthz answers while the process runs; orchestrators should use /readyz for traffic.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD node -e "require('http').get('http://127.0.0.1:'+(process.env.METRICS_PORT||process.env.HTTP_PORT)+'/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
# Exec form: node itself receives SIGTERM (compose sets `init: true` to reap zombies) and drains.
ENTRYPOINT ["node", "dist/main.js"]
CMD ["start", "--role", "all"]
