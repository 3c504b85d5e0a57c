-- MySQL's statement timeout for SELECTs, in milliseconds (0: none).
SET SESSION max_execution_time = ?
