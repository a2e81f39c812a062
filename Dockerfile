# One image for the three services; docker-compose.yml picks the service with SERVICE.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json tsconfig.base.json ./
COPY shared/package.json shared/
COPY runtime/package.json runtime/
COPY workflows/package.json workflows/
COPY activities/package.json activities/
COPY services/intake/package.json services/intake/
COPY services/notifier/package.json services/notifier/
COPY services/reporting/package.json services/reporting/
# tsx runs the TypeScript sources directly; the dev dependencies include it.
RUN npm install --no-audit --no-fund --include=dev
COPY shared shared
COPY runtime runtime
COPY workflows workflows
COPY activities activities
COPY services services
USER node
ENV SERVICE=intake
CMD ["sh", "-c", "exec node_modules/.bin/tsx services/$SERVICE/src/main.ts"]
