CREATE TABLE products (
    id           bigserial PRIMARY KEY,
    sku          text          NOT NULL,
    name         text          NOT NULL,
    description  text,
    price_cents  integer       NOT NULL CHECK (price_cents >= 0),
    stock        integer       NOT NULL DEFAULT 0,
    category     text,
    created_at   timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT products_sku_key UNIQUE (sku)
);
