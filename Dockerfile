# Multi-stage build: compile in the Rust image, ship only the binary on a slim base.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY fixtures ./fixtures
COPY scenarios ./scenarios
# The workspace lists the benchmark baseline as a member; cargo needs its manifest to resolve.
COPY bench/baseline ./bench/baseline
# No symbol table in the shipped binary (as in the wheel and npm packages): a smaller image.
ENV CARGO_PROFILE_RELEASE_STRIP=symbols
RUN cargo build --release --locked --bin prodgy-mock

FROM debian:bookworm-slim
COPY --from=build /src/target/release/prodgy-mock /usr/local/bin/prodgy-mock
EXPOSE 4010
# Listen on all interfaces inside the container (the admin API is then reachable from the
# host network you publish it on: keep the port private, or run with --admin off).
ENV PRODGY_MOCK_HOST=0.0.0.0 PRODGY_MOCK_PORT=4010
# No curl in the slim image: the binary checks itself (GET /__admin/health, exit 0 when ready).
HEALTHCHECK --interval=2s --timeout=2s --start-period=1s --retries=3 \
  CMD ["prodgy-mock", "healthcheck", "--url", "http://127.0.0.1:4010"]
# Not root: any unprivileged id works (the binary needs no home directory, and /tmp is
# writable for --ready-file).
USER 65532:65532
ENTRYPOINT ["prodgy-mock"]
