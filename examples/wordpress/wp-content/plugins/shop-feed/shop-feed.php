<?php
/**
 * Plugin Name: Shop Feed
 * Description: Product feed, stock sync with the supplier and order notifications.
 * Version:     1.4.0
 */

defined( 'ABSPATH' ) || exit;

require_once __DIR__ . '/includes/queries.php';
require_once __DIR__ . '/includes/cache.php';
require_once __DIR__ . '/includes/supplier.php';
require_once __DIR__ . '/includes/notifications.php';

add_action( 'init', 'shop_feed_register_feed' );
add_action( 'rest_api_init', 'shop_feed_register_routes' );
add_action( 'save_post_product', 'shop_feed_notify_price_watchers', 10, 2 );
add_action( 'admin_post_shop_feed_reprice', 'shop_feed_reprice_all' );
add_action( 'shop_feed_nightly_sync', 'shop_feed_sync_stock' );

register_activation_hook( __FILE__, 'shop_feed_activate' );

function shop_feed_activate() {
	shop_feed_install();
	if ( ! wp_next_scheduled( 'shop_feed_nightly_sync' ) ) {
		wp_schedule_event( time(), 'daily', 'shop_feed_nightly_sync' );
	}
}

function shop_feed_register_feed() {
	add_feed( 'products', 'shop_feed_render_feed' );
}

function shop_feed_register_routes() {
	register_rest_route(
		'shop-feed/v1',
		'/products',
		array(
			'methods'             => 'GET',
			'callback'            => 'shop_feed_rest_products',
			'permission_callback' => '__return_true',
		)
	);
}
