"""The job lifecycle: the state machine on the job rows, events and their wake-ups, the
queue, the runner and the worker threads, starting an analysis, and the collaborators
of one process (`runtime`). It imports `figures`, `store` and `wiki` below it."""
