"""The engine: no Qt here. IDs, the API client, errors, downloads, tokens, settings, export."""
