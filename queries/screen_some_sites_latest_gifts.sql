-- screen_some_sites_latest_gifts: the newest gifts of some sites' tickers, for the sites whose newest gifts the
-- last minute did not hold (the screen asks screen_sites_latest_gifts of the last minute first: at a busy hour it
-- holds most tickers, and ranks a tenth of the window's gifts).
-- Grain: as screen_sites_latest_gifts, over the gifts of the sites in :site_ids alone: site_rank is a gift's place
-- among its site's; district_rank its place among these sites' gifts, not the district's (the screen has the
-- district's ticker already).
-- Parameters: as screen_sites_latest_gifts; :site_ids — the sites (a list).
with of_sites as (  -- the time filter here too: the scan skips to the window whether or not the planner inlines this
    select * from donations where site_id = any(:site_ids) and occurred_at >= :since and occurred_at <= :until
)
select * from (
    -- include: screen_sites_latest_gifts with of_sites for donations
) ranked
