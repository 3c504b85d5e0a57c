-- The unique keys of a table (?1 is its name), one row per column in key order:
-- its unique indexes (a PRIMARY KEY over several columns is one), then an INTEGER
-- PRIMARY KEY, which has no index. The third column orders a key's columns. For
-- `init`.
SELECT il.name, ii.name, ii.seqno
FROM pragma_index_list(?1) il, pragma_index_info(il.name) ii
WHERE il."unique" = 1
UNION ALL
SELECT 'primary key', name, pk FROM pragma_table_info(?1) WHERE pk > 0
  AND NOT EXISTS (SELECT 1 FROM pragma_index_list(?1) WHERE origin = 'pk')
ORDER BY 1, 3
