// Tests for GatewayConfig.
