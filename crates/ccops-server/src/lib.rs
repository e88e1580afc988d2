//! HTTP server: REST API (OpenAPI), web UI, auth, background jobs, live floor.
