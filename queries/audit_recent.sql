-- audit_recent: the audit trail: who recorded, corrected, refunded or uploaded what, when and why.
-- Grain: one row per act, newest first.
-- Parameters: :limit_n — how many.
select audit_id, acted_at, user_name, action, target_id, amount_fen, reason, detail
from audit_log
order by acted_at desc, audit_id desc
limit :limit_n
