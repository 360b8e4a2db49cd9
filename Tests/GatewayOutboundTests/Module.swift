// Tests for GatewayOutbound.
