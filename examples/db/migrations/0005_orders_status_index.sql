SET lock_timeout = '3s';
SET statement_timeout = '5s';

CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);

ALTER TABLE products ADD COLUMN archived_at timestamptz;
