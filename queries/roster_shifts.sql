-- roster_shifts: the volunteers' shifts at each site (the roster's shifts.csv).
-- Grain: one row per shift; shifts at one site may overlap, and their volunteers add up.
-- Parameters: none.
select site_id, day_number, start_minute, end_minute, volunteers
from shifts
order by site_id, day_number, start_minute, end_minute
