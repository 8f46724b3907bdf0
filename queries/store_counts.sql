-- store_counts: how much the store holds, for `givingday status`.
-- Grain: one row.
-- Parameters: none.
select
    (select count(*) from projects) as projects,
    (select count(*) from teams) as teams,
    (select count(*) from sites) as sites,
    (select count(*) from donations) as donations,
    (select count(*) from adjustments) as adjustments,
    (select count(*) from imports) as imports,
    (select count(*) from imports where outcome <> 'committed') as imports_failed,
    (select count(*) from rejected_rows) as rejected_rows,
    (select max(occurred_at) from donations) as last_gift_at
