-- imports_origin_counts: how many imports came from each origin (imports_origin), for the data page's choice.
-- Grain: one row per origin with at least one import.
-- Parameters: none.
with classified as (
    -- include: imports_origin
)
select origin, count(*) as imports
from classified
group by origin
