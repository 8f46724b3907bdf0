-- report_by_project_team: money per project split by the team it came through, in a window: the lines under
-- a project add up to the project, with gifts through no known team as their own line (team_id null).
-- Grain: one row per (project, team or none) with events in the window.
-- Parameters: :since — the window's first moment (inclusive), or null for everything before :until;
-- :until — the window's end (exclusive). Events count at their own time (see report_totals).
-- A gift counts under the project it was given to, even when its team raises for another project.
select
    l.project_id,
    l.team_id,
    coalesce(t.name, '无队伍') as team_name,
    cast(sum(l.amount_fen) as bigint) as amount_fen,
    cast(sum(l.matched_fen) as bigint) as matched_fen,
    cast(sum(l.donation_count) as bigint) as donations
from ledger l
left join teams t on t.team_id = l.team_id
where (cast(:since as timestamp with time zone) is null or l.occurred_at >= :since)
    and l.occurred_at < :until
group by l.project_id, l.team_id, t.name
order by l.project_id, sum(l.amount_fen) + sum(l.matched_fen) desc, l.team_id
