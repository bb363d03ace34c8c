# Trainer image: `trainer serve` (cluster node) by default; the node's config file is mounted at /etc/outliers.
# Build from the repository root: docker build -f docker/trainer.Dockerfile -t outliers/trainer .
# Run:  docker run -v /etc/outliers:/etc/outliers:ro -e REDIS_URL=redis://redis:6379 outliers/trainer
#       docker run ... outliers/trainer run-once --config /etc/outliers/trainer.yaml   (embedded mode)
# Steps: `turbo prune` keeps only the trainer and its workspace dependencies, the lockfile install is cached on
# the pruned manifests, and `pnpm deploy` writes a self-contained production folder (dist + prod node_modules).
FROM node:20-bookworm-slim AS base
RUN npm install -g pnpm@10.34.9 --silent
WORKDIR /src

FROM base AS pruned
COPY . .
RUN pnpm dlx turbo@2 prune @outliers/trainer --docker

FROM base AS build
COPY --from=pruned /src/out/json/ .
RUN pnpm install --frozen-lockfile
COPY --from=pruned /src/out/full/ .
# One package at a time: parallel `pnpm run build`s in a fresh install have failed reading pnpm's workspace state.
RUN pnpm turbo run build --filter=@outliers/trainer... --concurrency=1
# With internet access the native TensorFlow backend builds here; without it training falls back to wasm.
RUN pnpm --filter @outliers/trainer deploy --prod --legacy /app \
 && (cd /app && npm rebuild @tensorflow/tfjs-node || echo "tfjs-node native backend unavailable: wasm fallback")

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app .
# Models kept aside (not published) and the local model store when no S3 is configured.
RUN mkdir -p /var/lib/outliers && chown node:node /var/lib/outliers
VOLUME ["/var/lib/outliers"]
USER node
# SIGTERM: the node finishes its current training (or releases it after worker.shutdownGraceMs) and exits 0;
# give the container at least that long to stop (docker stop -t / Kubernetes terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/main.js"]
CMD ["serve", "--config", "/etc/outliers/trainer.yaml"]
