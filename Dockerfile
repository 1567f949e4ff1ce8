# syntax=docker/dockerfile:1
# Multi-stage: compile TypeScript (and the admin UI) with every dependency, then ship only production ones.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY ui/package.json ui/package-lock.json ./ui/
# scripts skipped here because postinstall needs ui/ sources; the native addon and the UI deps are built explicitly
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3 && npm --prefix ui ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/package.json ./package.json
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# the Node flags of `npm start` (docs/benchmark.md, "Memory"): a heap limit that has V8 collect the old generation before
# it grows to several times its live size
CMD ["node", "--max-old-space-size=1024", "dist/server.js"]
