-- screen_sites_latest_gifts: the newest gifts for every ticker at once: the district's and each site's.
-- Grain: one row per gift, in no order (the screen puts each ticker newest first); a gift is here when it is
-- among the :limit_n newest of the district (district_rank) or of its site (site_rank). Masked names only, and a
-- donor's message only once an organizer approved it (nothing pending or denied ever reaches a screen). The
-- project's name is the screen's to add from its roster.
-- Parameters: :since — only gifts at or after this time (ten minutes before the newest gift, which keeps the
-- scan to the last row group or two); :until — the board's now; :limit_n — how many per ticker.
with recent as (
    select
        d.occurred_at,
        d.donor_name_masked,
        d.amount_fen,
        d.matched_fen,
        d.project_id,
        d.channel,
        d.site_id,
        d.donation_id,
        row_number() over (order by d.occurred_at desc, d.donation_id desc) as district_rank,
        -- a gift's place among its site's: its place in the gifts sorted by site, then newest first, less the
        -- place of its site's first (rank() over the site alone); the same as a window partitioned by site, at a
        -- third of its cost on DuckDB (whose partitioned window has a large fixed cost), on both databases
        row_number() over (order by d.site_id, d.occurred_at desc, d.donation_id desc)
            - rank() over (order by d.site_id) + 1 as site_rank
    from donations d
    where d.occurred_at >= :since and d.occurred_at <= :until
)
select r.occurred_at, r.donation_id, r.donor_name_masked, r.amount_fen, r.matched_fen, r.project_id, r.channel,
    r.site_id, r.district_rank, r.site_rank, m.message_text as message
from recent r
left join donor_messages m on m.donation_id = r.donation_id and m.status = 'approved'
where r.district_rank <= :limit_n or (r.site_id is not null and r.site_rank <= :limit_n)
