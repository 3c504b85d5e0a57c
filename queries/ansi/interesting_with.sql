WITH {touched_cte}interesting AS (
{keys}
)
