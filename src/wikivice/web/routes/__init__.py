"""One router per resource: analyses, jobs, pages, wikis (JSON) and views (HTML)."""
