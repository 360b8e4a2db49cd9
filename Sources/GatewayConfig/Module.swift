// GatewayConfig module: see docs/architecture.md.
