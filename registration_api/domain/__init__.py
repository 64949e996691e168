"""What happens to a partner's prospects and subscribers: sign-ups, invitations, subscriptions,
reminders, API keys and webhook events, independent of HTTP."""
