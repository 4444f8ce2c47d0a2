"""The live dashboard served at /_emulator/ui (static files in `static/`, no build step)."""
