// Tests for GatewayCLI.
