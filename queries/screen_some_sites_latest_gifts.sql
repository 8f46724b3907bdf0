-- screen_some_sites_latest_gifts: the newest gifts of some sites' tickers, for the sites whose newest gifts the
-- last minute did not hold (the screen asks screen_sites_latest_gifts of the last minute first: at a busy hour it
-- holds most tickers, and ranks a tenth of the window's gifts).
-- Grain: one row per gift among the :limit_n newest of its site, for the sites in :site_ids; site_rank is its
-- place, district_rank null. Masked names only, and a donor's message only once an organizer approved it. The
-- project's name is the screen's to add from its roster.
-- Parameters: :since — only gifts at or after this time (ten minutes before the district's newest gift); :until —
-- the board's now; :site_ids — the sites (a list); :limit_n — how many per site.
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
        -- a gift's place among its site's: its place in the gifts sorted by site, then newest first, less the
        -- place of its site's first (rank() over the site alone); the same as a window partitioned by site, at a
        -- third of its cost on DuckDB (whose partitioned window has a large fixed cost), on both databases
        row_number() over (order by d.site_id, d.occurred_at desc, d.donation_id desc)
            - rank() over (order by d.site_id) + 1 as site_rank
    from donations d
    where d.occurred_at >= :since and d.occurred_at <= :until and d.site_id = any(:site_ids)
)
select r.occurred_at, r.donation_id, r.donor_name_masked, r.amount_fen, r.matched_fen, r.project_id, r.channel,
    r.site_id, cast(null as bigint) as district_rank, r.site_rank, m.message_text as message
from recent r
left join donor_messages m on m.donation_id = r.donation_id and m.status = 'approved'
where r.site_rank <= :limit_n
