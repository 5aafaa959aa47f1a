# The hub for production: MongoDB and Redis come from MONGODB_URI and REDIS_URL (see docker-compose.yml),
# so the embedded FerretDB (and Go) are not needed in the image.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY core ./core
COPY adapters ./adapters
COPY flows ./flows
COPY cli ./cli
COPY config ./config
COPY tsconfig.json ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:3000/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/switchboard.js", "start", "--config", "config/switchboard.yaml"]
