-- imports_by_origin: how many files that added gifts came from the demo and how many from anywhere else, so
-- the demo never plays into a store that holds real gifts and `status` can say what a store holds.
-- Grain: one row.
-- Parameters: none. A demo file is named `demo-…` by the demo itself (see demo/simulate.py).
select
    count(case when file_name like 'demo-%' then 1 end) as demo_files,
    count(case when file_name not like 'demo-%' then 1 end) as other_files
from imports
where outcome = 'committed' and rows_new > 0
