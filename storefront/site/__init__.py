"""A partner's site folder read as a stranger's input: YAML with positions, the schema, news,
cross-checks, and every problem found, so `loader.load_site` returns a `Site` or `InvalidSite`."""
