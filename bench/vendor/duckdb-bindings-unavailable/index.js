throw new Error('@duckdb/node-bindings for this platform is not available from this project\'s npm mirror');
