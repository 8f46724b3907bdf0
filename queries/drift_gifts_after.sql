-- drift_gifts_after: a project's gifts from the platform's official time on, earliest first, to see whether the
-- platform's figure counted the first of them (its clock ahead of ours, or its count cut a little later).
-- Grain: one row per gift of the project at or after :since, as stored (refunded or not).
-- Parameters: :project_id — the project (null: every project); :since — the official count's exclusive end;
-- :limit_n — how many.
select
    donation_id,
    occurred_at,
    amount_fen,
    matched_fen,
    amount_fen + matched_fen as total_fen
from donations
where (cast(:project_id as varchar) is null or project_id = :project_id)
    and occurred_at >= :since
order by occurred_at, donation_id
limit :limit_n
