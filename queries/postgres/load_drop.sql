DROP TABLE IF EXISTS {results}, {log}
