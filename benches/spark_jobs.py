"""Hand-written Spark jobs that benches/spark.sh times beside dupaudit, through the
same Spark Connect server: each reads the generated incident's Parquet files and
collects its result to the client, as dupaudit does.

    spark_jobs.py URL RESULTS LOG hand|floor|joins
"""
import sys

from pyspark.sql import SparkSession

url, results, log, job = sys.argv[1:5]
spark = SparkSession.builder.remote(url).getOrCreate()
spark.read.parquet(results).createOrReplaceTempView("results")
spark.read.parquet(log).createOrReplaceTempView("log")

QUERIES = {
    # What one would write by hand for exact duplicates and conflicts.
    "hand": [
        "SELECT idempotency_key, md5(payload), count(*) FROM results "
        "GROUP BY 1, 2 HAVING count(*) > 1"
    ],
    # The least any duplicate scan must do.
    "floor": [
        "SELECT idempotency_key, count(*) FROM results "
        "GROUP BY idempotency_key HAVING count(*) > 1"
    ],
    # The joins of the full audit (every class but cross-key): the keys of each
    # class, then the rows and log rows of those keys.
    "joins": [
        "CREATE OR REPLACE TEMPORARY VIEW keys AS "
        "SELECT idempotency_key FROM results GROUP BY 1 HAVING count(*) > 1 "
        "UNION SELECT r.idempotency_key FROM results r JOIN log l "
        "  ON r.idempotency_key = l.idempotency_key AND r.attempt_id = l.attempt_id "
        "  WHERE l.status = 'FAILED' "
        "UNION SELECT r.idempotency_key FROM results r LEFT ANTI JOIN log l "
        "  ON r.idempotency_key = l.idempotency_key AND r.attempt_id = l.attempt_id "
        "UNION SELECT l.idempotency_key FROM log l LEFT ANTI JOIN results r "
        "  ON r.idempotency_key = l.idempotency_key WHERE l.status = 'COMPLETED' "
        "UNION SELECT idempotency_key FROM log WHERE status = 'COMPLETED' "
        "  GROUP BY 1 HAVING count(*) > 1 "
        "UNION SELECT idempotency_key FROM log WHERE status = 'PROCESSING'",
        "SELECT r.* FROM results r LEFT SEMI JOIN keys k ON r.idempotency_key = k.idempotency_key",
        "SELECT l.* FROM log l LEFT SEMI JOIN keys k ON l.idempotency_key = k.idempotency_key",
        "SELECT * FROM results WHERE idempotency_key IS NULL",
    ],
}

for sql in QUERIES[job]:
    spark.sql(sql).collect()
