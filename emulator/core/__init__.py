"""API-independent machinery: state root, tenants, clock, ids, graph, faults, journal."""
