-- donor_messages_counts: how many donors' messages there are of each status, for the moderation page's headings (its
-- lists show SHOWN at a time).
-- Grain: one row per status with at least one message.
-- Parameters: none.
select status, count(*) as messages
from donor_messages
group by status
