-- donor_messages_by_status: donors' messages for the moderation page, with their gift.
-- Grain: one row per message of :status (pending | approved | denied).
-- Parameters: :status — which messages; :limit_n — how many at most; :shown_first — 'newest' (gifts newest first:
-- the ones the screens' ticker can still show), 'oldest' (the queue in arrival order) or 'decided' (the latest
-- decisions first, so the one just made can be withdrawn however many came before it).
select
    m.message_id,
    m.message_text,
    m.status,
    m.received_at,
    m.decided_by,
    m.decided_at,
    d.donation_id,
    d.occurred_at,
    d.donor_name_masked,
    d.amount_fen,
    p.name as project_name
from donor_messages m
join donations d on d.donation_id = m.donation_id
join projects p on p.project_id = d.project_id
where m.status = :status
order by
    case when :shown_first = 'decided' then m.decided_at end desc,
    case when :shown_first = 'newest' then d.occurred_at end desc,
    case when :shown_first = 'oldest' then d.occurred_at end,
    m.message_id
limit :limit_n
