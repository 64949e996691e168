"""A loaded `Site` turned into pages as bytes: the page plan, the sandboxed Jinja environment,
Markdown, feeds and assets, and `SiteRenderer` which puts them together."""
