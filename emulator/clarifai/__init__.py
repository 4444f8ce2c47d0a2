"""Clarifai Workflows API over REST/JSON and gRPC (reference/clarifai-workflows.md)."""
