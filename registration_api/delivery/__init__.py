"""What leaves the service: e-mails composed in the partner's language and webhooks, delivered
from the outbox once each."""
