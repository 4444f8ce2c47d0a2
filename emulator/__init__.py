"""Workflow-API emulator."""
