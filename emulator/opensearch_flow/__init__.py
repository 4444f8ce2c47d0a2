"""OpenSearch Flow Framework workflow API (reference/opensearch-flow-framework.md)."""
