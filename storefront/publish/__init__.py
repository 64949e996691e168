"""Rendered bytes onto disk, all or nothing and only what changed, and what the last build left
behind for the next one to reuse."""
