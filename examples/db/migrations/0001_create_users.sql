-- Users of the shop API.
CREATE TABLE users (
    id          bigserial PRIMARY KEY,
    email       text        NOT NULL UNIQUE,
    name        text        NOT NULL,
    country     char(2),
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);

CREATE INDEX users_created_at_idx ON users (created_at) WHERE deleted_at IS NULL;
