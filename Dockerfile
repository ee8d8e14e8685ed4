# syntax=docker/dockerfile:1
# Open Clanker gateway image for linux/amd64 and linux/arm64. How to build and run it: docs/DEPLOY.md.
# `npm run test:image` rehearses this file without Docker (test/image/rehearse.ts) and
# test/unit/deploy-files.test.ts checks it against compose.yaml and the code: change them together.

# Debian 13: the Node 24 build of uWebSockets.js needs glibc 2.38+, so neither bookworm nor Alpine.
ARG NODE_IMAGE=node:24-trixie-slim

# Production dependencies only, pruned to this platform's binaries (scripts/prune-runtime.mjs).
# Its own stage so that a code change does not reinstall them.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/prune-runtime.mjs /tmp/prune-runtime.mjs
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && node /tmp/prune-runtime.mjs /app/node_modules

# Compile, then lay out exactly what `npm pack` ships (package.json "files") in /app.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm pack --pack-destination /tmp \
 && mkdir /app \
 && tar -xzf /tmp/open-clanker-*.tgz -C /app --strip-components=1

FROM ${NODE_IMAGE}
# tini is PID 1: it forwards SIGTERM to Node and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 clanker \
 && useradd --system --uid 10001 --gid clanker --no-create-home \
      --home-dir /var/lib/open-clanker --shell /usr/sbin/nologin clanker \
 && mkdir -p /var/lib/open-clanker /etc/open-clanker \
 && chown clanker:clanker /var/lib/open-clanker \
 && printf '#!/bin/sh\nexec node /app/dist/src/cli/index.js "$@"\n' > /usr/local/bin/clanker \
 && chmod 755 /usr/local/bin/clanker
COPY --from=deps /app/node_modules /app/node_modules
COPY --from=build /app /app
WORKDIR /app
# Env wins over /etc/open-clanker/config.toml. Binding 0.0.0.0 makes the gateway refuse to
# start until CLANKER_SERVER_AUTH_TOKEN is set.
ENV NODE_ENV=production \
    CLANKER_SERVER_HOST=0.0.0.0 \
    CLANKER_STORAGE_DATA_DIR=/var/lib/open-clanker
USER clanker
EXPOSE 18789
VOLUME ["/var/lib/open-clanker"]
# The slim image has no curl or wget; Node's fetch does the job. /health needs no token.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CLANKER_SERVER_PORT||18789)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "/app/dist/src/cli/index.js", "serve"]
