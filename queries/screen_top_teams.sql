-- screen_top_teams: the fundraising teams that raised most, with goals and home sites, for the big screen.
-- Grain: one row per team, best first.
-- Parameters: :limit_n — how many; :site_id — only teams at this home site, or null for all.
select
    t.team_id as key,
    t.name,
    t.goal_fen,
    t.site_id,
    r.amount_fen + r.matched_fen as total_fen,
    r.donations
from rollup_totals r
join teams t on t.team_id = r.key
where r.dim = 'team' and (cast(:site_id as varchar) is null or t.site_id = :site_id)
order by r.amount_fen + r.matched_fen desc, t.team_id
limit :limit_n
