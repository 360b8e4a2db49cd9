// Tests for Opencharge.
