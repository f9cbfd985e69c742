<?php
/**
 * Site configuration of the shop running the shop-feed plugin.
 *
 * Deliberately without WP_CACHE and DISABLE_WP_CRON, and with no
 * wp-content/object-cache.php drop-in next to it.
 */

define( 'DB_NAME', 'shop' );
define( 'DB_USER', 'shop' );
define( 'DB_PASSWORD', getenv( 'SHOP_DB_PASSWORD' ) );
define( 'DB_HOST', 'db:3306' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );

$table_prefix = 'wp_';

define( 'WP_DEBUG', false );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

require_once ABSPATH . 'wp-settings.php';
