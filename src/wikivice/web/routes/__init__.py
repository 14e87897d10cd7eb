"""The HTTP surface, one router per resource: the JSON API (analyses, jobs, pages, wikis,
diffs, exports, editors) and the pages people see (views, compare, editors)."""
