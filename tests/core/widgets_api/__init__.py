"""A tiny test-only third API ("widgets"), mounted by tests/core/test_api_descriptor.py without touching core."""
