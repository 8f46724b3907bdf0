-- imports_origin: every import with where it came from, the one place that tells: 'demo' (the demo names its
-- files `demo-…`, demo/simulate.py), 'api' (the intake API's `api:…`), 'console' (the console's form, `console:…` and
-- the user), else 'file' (a file from the inbox or an upload, named as it came). Told by the name alone: a file an
-- operator names `demo-…` is taken for the demo's, as the demo check always took it.
-- Grain: one row per import, every column of imports and origin. Included by imports_recent, imports_by_origin and
-- imports_origin_counts.
-- Parameters: none.
select
    i.*,
    case
        when i.file_name like 'demo-%' then 'demo'
        when i.file_name like 'api:%' then 'api'
        when i.file_name like 'console:%' then 'console'
        else 'file'
    end as origin
from imports i
