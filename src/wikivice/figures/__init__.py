"""Every figure of the dashboard, computed in SQL over the stored revisions, and the
charts built from them. It imports `store` and `wiki` below it."""
