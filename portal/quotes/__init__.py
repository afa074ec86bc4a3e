"""Sales quotes: staff drafts and queue under /backoffice/quotes, customers under /quotes."""
