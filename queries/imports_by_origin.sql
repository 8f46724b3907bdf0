-- imports_by_origin: how many files that added gifts came from the demo and how many from anywhere else, so
-- the demo never plays into a store that holds real gifts and `status` can say what a store holds.
-- Grain: one row.
-- Parameters: none. The demo's files are told by their name (imports_origin).
with classified as (
    -- include: imports_origin
)
select
    count(case when origin = 'demo' then 1 end) as demo_files,
    count(case when origin <> 'demo' then 1 end) as other_files
from classified
where outcome = 'committed' and rows_new > 0
