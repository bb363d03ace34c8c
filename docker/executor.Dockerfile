# Executor image: station and metric detection APIs on port 8080.
# Build from the repository root: docker build -f docker/executor.Dockerfile -t outliers/executor .
# Steps: `turbo prune` keeps only the executor and its workspace dependencies, the lockfile install is cached on
# the pruned manifests, and `pnpm deploy` writes a self-contained production folder (dist + prod node_modules).
FROM node:20-bookworm-slim AS base
RUN npm install -g pnpm@10.34.9 --silent
WORKDIR /src

FROM base AS pruned
COPY . .
RUN pnpm dlx turbo@2 prune @outliers/executor --docker

FROM base AS build
COPY --from=pruned /src/out/json/ .
RUN pnpm install --frozen-lockfile
COPY --from=pruned /src/out/full/ .
# One package at a time: parallel `pnpm run build`s in a fresh install have failed reading pnpm's workspace state.
RUN pnpm turbo run build --filter=@outliers/executor... --concurrency=1
# With internet access the native TensorFlow backend builds here; without it the executor falls back to wasm.
RUN pnpm --filter @outliers/executor deploy --prod --legacy /app \
 && (cd /app && npm rebuild @tensorflow/tfjs-node || echo "tfjs-node native backend unavailable: wasm fallback")

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 STATE_DIR=/models/state MODEL_DIR=/models/metric LOG_DIR=/logs
WORKDIR /app
COPY --from=build /app .
VOLUME ["/models", "/logs"]
EXPOSE 8080
USER node
HEALTHCHECK --interval=10s --timeout=2s CMD node -e "fetch('http://127.0.0.1:8080/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The flags of the package's start script. Allocation-site pretenuring off: it would move a request's short-lived
# objects into the old generation, which only full collections clear. V8 flags are not allowed in NODE_OPTIONS.
CMD ["node", "--no-allocation-site-pretenuring", "dist/server.js"]
