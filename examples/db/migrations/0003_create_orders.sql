CREATE TABLE orders (
    id           bigserial PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id),
    status       text        NOT NULL DEFAULT 'pending',
    total_cents  integer     NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE order_items (
    id           bigserial PRIMARY KEY,
    order_id     bigint  NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id   bigint  NOT NULL,
    quantity     integer NOT NULL CHECK (quantity > 0),
    price_cents  integer NOT NULL
);

-- Created in the same file as the table: no lock worth avoiding.
CREATE INDEX orders_user_id_created_at_idx ON orders (user_id, created_at);
