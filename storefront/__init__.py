"""storefront: a white-label storefront generator for partners of a cloud accounting service."""

__version__ = "0.1.0"
