-- UTC, so TIMESTAMP values are rendered as UTC text.
SET time_zone = '+00:00'
