// GatewayOutbound module: see docs/architecture.md.
