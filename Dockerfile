# One image for the API, the worker and the migrate step; the compose file picks
# the command. Internal packages are TypeScript run by tsx, so there is no build step.
FROM node:20-bookworm-slim
WORKDIR /app
RUN npm install -g pnpm@12.21.0
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY packages/cli/package.json packages/cli/
COPY packages/client/package.json packages/client/
COPY packages/config/package.json packages/config/
COPY packages/db/package.json packages/db/
COPY packages/credentials/package.json packages/credentials/
COPY packages/webhooks/package.json packages/webhooks/
COPY packages/egress/package.json packages/egress/
COPY packages/emails/package.json packages/emails/
COPY packages/embedded/package.json packages/embedded/
COPY packages/errors/package.json packages/errors/
COPY packages/http/package.json packages/http/
COPY packages/app/package.json packages/app/
COPY packages/jobs/package.json packages/jobs/
COPY packages/logger/package.json packages/logger/
COPY packages/metrics/package.json packages/metrics/
COPY packages/runtime/package.json packages/runtime/
COPY packages/testing/package.json packages/testing/
COPY packages/vc-events/package.json packages/vc-events/
COPY packages/verification/package.json packages/verification/
COPY tests/e2e/package.json tests/e2e/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm db:generate
ENV NODE_ENV=production
EXPOSE 3000
CMD ["pnpm", "start:api"]
