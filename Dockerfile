# The hub for production: MongoDB and Redis come from MONGODB_URI and REDIS_URL (see docker-compose.yml),
# so the embedded FerretDB (and Go) are not needed in the image.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
# whatsapp-web.js must not download a browser; WhatsApp Web accounts use Debian's chromium.
ENV PUPPETEER_SKIP_DOWNLOAD=1
# Only for WhatsApp Web accounts (about 300 MB): docker build --build-arg WITH_CHROMIUM=1
ARG WITH_CHROMIUM=0
RUN if [ "$WITH_CHROMIUM" = 1 ]; then apt-get update && apt-get install -y --no-install-recommends chromium && rm -rf /var/lib/apt/lists/*; fi
WORKDIR /app
COPY package.json package-lock.json ./
# The lock file cannot list some platforms' optional packages (see scripts/setup.sh); fall back to the locked versions.
RUN npm ci --omit=dev --no-audit --no-fund || npm install --omit=dev --no-save --no-audit --no-fund
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
