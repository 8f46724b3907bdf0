-- screen_latest_gifts: the newest gifts for the big screen's ticker (masked names only).
-- Grain: one row per gift, newest first.
-- Parameters: :since — only gifts at or after this time (ten minutes before the newest gift, which keeps the
-- scan to the last row group or two); :until — the board's now; :limit_n — how many; :site_id — only gifts
-- credited to this site, or null for all.
select
    d.occurred_at,
    d.donor_name_masked,
    d.amount_fen,
    d.matched_fen,
    p.name as project_name,
    d.channel
from donations d
join projects p on p.project_id = d.project_id
where d.occurred_at >= :since and d.occurred_at <= :until
    and (cast(:site_id as varchar) is null or d.site_id = :site_id)
order by d.occurred_at desc, d.donation_id desc
limit :limit_n
