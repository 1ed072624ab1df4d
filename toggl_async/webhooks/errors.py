"""Webhook errors: a delivery that fails verification, and the plan's subscription limits."""

from __future__ import annotations

from ..errors import BadRequestError, TogglError

__all__ = ["InvalidSignatureError", "WebhookLimitError"]


class InvalidSignatureError(TogglError, ValueError):
    """A delivery's ``X-Webhook-Signature-256`` is missing, malformed or does not match.

    The message says which of those it was, never the secret or the expected digest.
    Answer such a request with 401 and do not act on its body.
    """


class WebhookLimitError(BadRequestError):
    """400 from the Webhooks API: the plan's limit of enabled subscriptions per workspace,
    or of event filters per subscription, would be exceeded. ``message`` is Toggl's text.
    """

    hint = (
        "The workspace's plan caps webhooks (Free 1, Starter 2, Premium 3) and filters per "
        "webhook (3, 6, 12): see toggl.webhooks.limits(workspace_id), then disable or "
        "delete a subscription, or use fewer (or wildcard) filters"
    )
