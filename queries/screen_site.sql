-- screen_site: one public site's total, for a screen standing at that site.
-- Grain: one row (none when the site is unknown).
-- Parameters: :site_id.
select
    s.site_id as key,
    s.name,
    s.street,
    coalesce(r.amount_fen + r.matched_fen, 0) as total_fen,
    coalesce(r.donations, 0) as donations
from sites s
left join rollup_totals r on r.dim = 'site' and r.key = s.site_id
where s.site_id = :site_id
