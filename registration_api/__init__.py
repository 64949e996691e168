"""registration_api: turns a storefront's registration form into a durable trial subscriber."""
