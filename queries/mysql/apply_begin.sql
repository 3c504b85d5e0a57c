-- Each batch of apply is one transaction.
START TRANSACTION
