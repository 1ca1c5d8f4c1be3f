"""GET /api/v1/feedback?since=: feedback for CRM pulls (Bearer). Filled in by the feedback work."""
