/**
 * The embedded configuration `npm start` uses when no --config is given: gRPC on 127.0.0.1:9191, admin on
 * 127.0.0.1:9901, the in-memory store, and one catch-all route that only refuses TRACE/CONNECT
 * and anything under /admin. Point PORTCULLIS_CONFIG or --config at a file for real use.
 */
export const DEFAULT_CONFIG_YAML = `
server:
  grpc: { address: "127.0.0.1:9191" }
  admin: { address: "127.0.0.1:9901" }
store: { kind: memory }
default_action: { action: deny }
routes:
  - name: default
    match: { path: { prefix: "/" } }
    rules:
      - { name: no-trace, action: deny, methods: [TRACE, CONNECT], status: 405, message: "method not allowed" }
      - { name: no-admin, action: deny, path: { prefix: "/admin" } }
`;

export const EMBEDDED_CONFIG_NAME = '<embedded defaults>';
