-- What the plugin told Cotton's admins, and to whom: projected from AdminsNotified.
CREATE TABLE cotton_backup.admin_notifications (
  notification_id uuid PRIMARY KEY,
  user_id         uuid NOT NULL,
  kind            text NOT NULL,
  title           text NOT NULL,
  priority        integer NOT NULL,
  stream_id       text NOT NULL,
  sent_at         timestamptz NOT NULL
);
CREATE INDEX admin_notifications_sent_at ON cotton_backup.admin_notifications (sent_at DESC);
