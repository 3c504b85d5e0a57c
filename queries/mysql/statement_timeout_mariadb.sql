-- MariaDB's statement timeout, in seconds (0: none).
SET SESSION max_statement_time = ?
