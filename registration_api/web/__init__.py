"""The HTTP layer: Starlette routes, reading requests, answering refusals (JSON for scripts,
pages for browsers), composed in `app.create_app`."""
