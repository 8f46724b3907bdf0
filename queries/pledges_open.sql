-- pledges_open: pledges (money promised, not yet received) that are neither fulfilled nor cancelled.
-- Grain: one row per open pledge, newest first.
-- Parameters: none.
select
    p.pledge_id,
    p.recorded_at,
    p.recorded_by,
    p.donor_name_masked,
    p.project_id,
    p.team_id,
    p.site_id,
    p.amount_fen,
    p.due_on,
    p.reason
from pledges p
left join pledge_closures c on c.pledge_id = p.pledge_id
where c.pledge_id is null
order by p.recorded_at desc, p.pledge_id
