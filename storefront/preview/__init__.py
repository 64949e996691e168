"""Seeing a site before publishing it: `storefront serve` with live reload, the theme gallery,
and a quiet static server."""
