# syntax=docker/dockerfile:1
# One image for every role of the cluster, built from the repository root:
#   silo (default):  dotnet AirQuality.Silo.dll run --role silo
#   web front:       dotnet AirQuality.Silo.dll run --role web
#   schema:          dotnet AirQuality.Silo.dll migrate
# Layout, size estimate and the reasons behind each choice: docs/deployment.md.

# ---- dashboard -------------------------------------------------------------------------------------------------------
# The dashboard is built by npm (esbuild bundles it with d3, the SignalR client and the map data from npm packages);
# the .NET build embeds dist/ and, finding it newer than its sources, does not need npm itself.
FROM node:22-bookworm-slim AS dashboard
WORKDIR /dashboard
COPY src/WebFront/Dashboard/package.json src/WebFront/Dashboard/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY src/WebFront/Dashboard/build.mjs ./
COPY src/WebFront/Dashboard/site/ site/
COPY src/WebFront/Dashboard/src/ src/
RUN npm run build

# ---- build -----------------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore layer: only the files restore reads, so editing code does not download the packages again.
# Every project src/Silo depends on is listed (tests/Deployment.Tests checks the list against the project references).
COPY Directory.* AirQuality.slnx ./
COPY build/ build/
COPY src/Domain/Domain.csproj src/Domain/
COPY src/Grains.Abstractions/Grains.Abstractions.csproj src/Grains.Abstractions/
COPY src/Grains/Grains.csproj src/Grains/
COPY src/ServiceDefaults/ServiceDefaults.csproj src/ServiceDefaults/
COPY src/Forecasting/Forecasting.csproj src/Forecasting/
COPY src/WebFront/WebFront.csproj src/WebFront/
COPY src/Silo/Silo.csproj src/Silo/
RUN dotnet restore src/Silo -r linux-x64

COPY src/ src/
COPY --from=dashboard /dashboard/dist/ src/WebFront/Dashboard/dist/
# Native libraries (libtorch alone is ~475 MB) go to their own folder so the runtime stage can copy them in a layer
# of their own: it stays cached and is pulled once while the application layer changes with every commit.
RUN dotnet publish src/Silo -c Release -r linux-x64 --self-contained false -o /app --no-restore \
 && mkdir /natives \
 && find /app -maxdepth 1 -type f -name '*.so*' -exec mv -t /natives/ {} +

# ---- runtime ---------------------------------------------------------------------------------------------------------
# aspnet:10.0 is Debian 13: its libstdc++ is new enough for TorchSharp's native library as published.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
ENV ASPNETCORE_URLS=http://+:8080
# /metrics (Prometheus) only on the management port.
ENV Management__Port=9464
# HTTP (API, health, dashboard), management (metrics, probes), Orleans silo-to-silo, Orleans gateway for clients.
EXPOSE 8080 9464 11111 30000

COPY --chmod=0755 deploy/docker/entrypoint.sh /usr/local/bin/airquality-entrypoint
COPY --from=build /natives/ /app/
COPY --from=build /app/ /app/

# 1654 is the image's unprivileged `app` user ($APP_UID); numeric so Kubernetes can verify runAsNonRoot.
# The files above stay owned by root: the process can read its binaries but not change them.
USER 1654

# The image has neither curl nor wget; bash (essential in Debian) can speak enough HTTP through /dev/tcp.
# /healthz/ready is served by both roles. Kubernetes ignores HEALTHCHECK and uses the probes in k8s/.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz/ready HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r _ status _ <&3 && [ \"$status\" = 200 ]"]

ENTRYPOINT ["airquality-entrypoint", "dotnet", "AirQuality.Silo.dll"]
CMD ["run", "--role", "silo"]
