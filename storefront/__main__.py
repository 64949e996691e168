from storefront.cli import run

run()
