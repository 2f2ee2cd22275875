# Multi-stage build: compile in the Rust image, ship only the binary on a slim base.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY fixtures ./fixtures
COPY scenarios ./scenarios
# No symbol table in the shipped binary (as in the wheel and npm packages): a smaller image.
ENV CARGO_PROFILE_RELEASE_STRIP=symbols
RUN cargo build --release --locked --bin prodgy-mock

FROM debian:bookworm-slim
# The mock needs no privileges (port 4010 is above 1024; it writes nothing unless given
# --ready-file, which must then name a writable place such as /tmp). A numeric USER lets
# runtimes that require a non-root user (Kubernetes runAsNonRoot) verify it.
RUN groupadd --system --gid 10001 prodgy \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin prodgy
COPY --from=build /src/target/release/prodgy-mock /usr/local/bin/prodgy-mock
USER 10001:10001
EXPOSE 4010
# Listen on all interfaces inside the container (the admin API is then reachable from the
# host network you publish it on: keep the port private, or run with --admin off).
ENV PRODGY_MOCK_HOST=0.0.0.0 PRODGY_MOCK_PORT=4010
# No curl in the slim image: the binary checks itself. It reads PRODGY_MOCK_HOST (0.0.0.0 is
# checked on 127.0.0.1) and PRODGY_MOCK_PORT, so change the port with `-e PRODGY_MOCK_PORT=…`:
# a --port given to `docker run` reaches the server, not this check. It GETs /__admin/health,
# or /swagger.json when that is 404 (--admin off), and exits 0 when the mock answers.
HEALTHCHECK --interval=2s --timeout=2s --start-period=1s --retries=3 \
  CMD ["prodgy-mock", "healthcheck"]
ENTRYPOINT ["prodgy-mock"]
