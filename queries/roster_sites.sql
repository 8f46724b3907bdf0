-- roster_sites: the public sites with their street, kind and coordinates.
-- Grain: one row per site.
-- Parameters: none.
select site_id, name, street, kind, lng, lat
from sites
order by site_id
