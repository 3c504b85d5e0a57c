SELECT 'r' AS side, {r_columns}, {r_order}, {r_pos} FROM {results} r
WHERE r.ctid = ANY(ARRAY(SELECT CAST(first_row AS tid) FROM by_id
                         UNION ALL
                         SELECT CAST(last_row AS tid) FROM by_id))
UNION ALL
