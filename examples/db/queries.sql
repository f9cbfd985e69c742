-- Queries of the shop API (src/repositories/*.ts), kept here for review.

-- name: GetUserByEmail
SELECT id, email, name FROM users WHERE email = $1;

-- name: GetUserProfile
SELECT * FROM users WHERE id = $1;

-- name: ListUserOrders
SELECT id, status, total_cents, created_at
FROM orders
WHERE user_id = $1
ORDER BY created_at DESC
LIMIT 20 OFFSET $2;

-- name: ListPendingOrders
SELECT id, user_id, total_cents FROM orders WHERE status = 'pending' AND created_at < $1;

-- name: OrderItems
SELECT oi.product_id, oi.quantity, p.name
FROM order_items oi
JOIN products p ON p.id = oi.product_id
WHERE oi.order_id = $1;

-- name: FindUserCaseInsensitive
SELECT id, name FROM users WHERE lower(email) = lower($1) LIMIT 1;

-- name: SearchProducts
SELECT id, sku, name, price_cents FROM products WHERE name ILIKE '%' || $1 || '%' LIMIT 50;

-- name: ProductsByCategory
SELECT id, name, price_cents FROM products WHERE category = $1 ORDER BY price_cents LIMIT 50;

-- name: DailyRevenue
SELECT sum(total_cents) FROM orders WHERE date(created_at) = $1;

-- name: FeaturedProducts
SELECT id, name FROM products WHERE stock > 0 ORDER BY random() LIMIT 4;

-- name: UsersWithoutOrders
SELECT id, email FROM users WHERE id NOT IN (SELECT user_id FROM orders) LIMIT 100;

-- name: ResetStock
UPDATE products SET stock = 0;
