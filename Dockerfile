# netsuite-mcp as a container image. stdio by default, as MCP clients and the MCP registry start it:
#   docker run -i --rm IMAGE                        (needs the NETSUITE_* settings, e.g. --env-file)
#   docker run -i --rm IMAGE serve --sandbox        (the demo NetSuite, no account)
#   docker run --rm -p 8080:8080 -e NETSUITE_MCP_HTTP_TOKEN_FILE=... IMAGE serve --http 0.0.0.0:8080
# Not built in CI (no container engine there); see docs/install.md "Container image".
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/netsuite-mcp /usr/local/bin/netsuite-mcp
# The MCP registry checks that an OCI package's image carries its server name (server.json "name").
LABEL io.modelcontextprotocol.server.name="io.github.netsuite-mcp/netsuite-mcp"
USER 65534:65534
ENTRYPOINT ["netsuite-mcp"]
CMD ["serve"]
