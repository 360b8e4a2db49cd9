// Opencharge module: see docs/architecture.md.
