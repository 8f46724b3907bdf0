-- drift_channel_files: which stretch of gift times each committed file brought, channel by channel, for the
-- channels a project takes gifts through: a stretch no file covers is an export window with no file.
-- A file's stretch is from its first to its last gift of the channel, wherever they fall, so a file that goes on
-- past the official time covers the quiet minutes before it.
-- Grain: one row per committed import and channel whose stretch meets the window, by the first gift's time.
-- Parameters: :project_id — the project whose channels are looked at (null: every channel); :since, :until —
-- the window of gift times looked at, half-open.
select
    d.channel,
    i.import_id,
    i.file_name,
    min(d.occurred_at) as first_gift_at,
    max(d.occurred_at) as last_gift_at,
    count(*) as gifts
from donations d
join imports i on i.import_id = d.import_id
where i.outcome = 'committed'
    and d.channel in (
        select channel
        from donations
        where cast(:project_id as varchar) is null or project_id = :project_id
    )
group by d.channel, i.import_id, i.file_name
having max(d.occurred_at) >= :since and min(d.occurred_at) < :until
order by d.channel, min(d.occurred_at), i.import_id
