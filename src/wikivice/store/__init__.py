"""The database: engines and migrations, the schema (`models`), wiki and page rows,
revision rows derived in bulk, ingest (the fetch thread feeding grouped transactions),
and exports. It imports only `wiki` below it."""
