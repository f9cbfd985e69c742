-- Added after launch, while the shop takes orders.
ALTER TABLE order_items
    ADD CONSTRAINT order_items_product_id_fkey
    FOREIGN KEY (product_id) REFERENCES products (id);

CREATE INDEX order_items_order_id_idx ON order_items (order_id);
