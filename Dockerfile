# klimaspor: multi-stage build. The builder compiles the release binary (SQLite, libpq and
# OpenSSL are compiled in); the runtime image holds the binary, the report templates and the
# seed, and runs as an unprivileged user.
FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY migrations ./migrations
COPY seeds ./seeds
COPY report-templates ./report-templates
COPY benches ./benches
# Both stages are Debian bookworm (glibc 2.36): the binary may pack its relocations.
RUN KLIMASPOR_PACK_RELOCATIONS=1 cargo build --release --locked --bin klimaspor

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/klimaspor --create-home klimaspor
COPY --from=builder /src/target/release/klimaspor /usr/local/bin/klimaspor
COPY report-templates /etc/klimaspor/report-templates
USER klimaspor
WORKDIR /var/lib/klimaspor
ENV KLIMASPOR_BIND=0.0.0.0:8080 \
    KLIMASPOR_DATA_DIR=/var/lib/klimaspor \
    KLIMASPOR_TEMPLATES_DIR=/etc/klimaspor/report-templates \
    KLIMASPOR_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["klimaspor", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["klimaspor"]
CMD ["serve"]
