// GatewayStore module: see docs/architecture.md.
