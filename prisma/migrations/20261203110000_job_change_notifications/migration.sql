-- Every statement that changes job rows tells listeners which rows changed
-- (LISTEN vcq_job_changes): waits, `Prefer: wait` and live event streams react to the
-- change instead of polling, whichever queue backend carries the job. One trigger per
-- statement, so a coalesced flush of many rows is a handful of notifications (ids in
-- chunks of 200, well under NOTIFY's 8000-byte payload limit), not one per row. New
-- rows need none: a waiter reads the row when it starts waiting.
CREATE FUNCTION vcq_notify_job_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  chunk text;
BEGIN
  FOR chunk IN
    SELECT string_agg(id::text, ',')
    FROM (SELECT id, (row_number() OVER ()) - 1 AS n FROM changed) AS c
    GROUP BY n / 200
  LOOP
    PERFORM pg_notify('vcq_job_changes', chunk);
  END LOOP;
  RETURN NULL;
END
$$;

CREATE TRIGGER jobs_notify_changes
  AFTER UPDATE ON "jobs"
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT
  EXECUTE FUNCTION vcq_notify_job_changes();
