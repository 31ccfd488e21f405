# syntax=docker/dockerfile:1
# Multi-stage build of the DTI Hub server: a release binary with bundled SQLite and libpq
# (TLS to PostgreSQL enabled), on a slim Debian runtime, running as a non-root user.

FROM rust:1.95-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p dtihub --features postgres-tls \
 && cp target/release/dtihub /usr/local/bin/dtihub

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/dtihub --create-home dtihub
COPY --from=build /usr/local/bin/dtihub /usr/local/bin/dtihub
USER dtihub
WORKDIR /var/lib/dtihub
ENV DTIHUB_BIND=0.0.0.0:8080 \
    DTIHUB_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["/usr/local/bin/dtihub"]
CMD ["serve"]
