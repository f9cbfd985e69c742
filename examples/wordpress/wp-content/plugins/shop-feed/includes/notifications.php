<?php
/**
 * Emails and bulk maintenance.
 */

defined( 'ABSPATH' ) || exit;

/**
 * On product save: tell every customer watching the product.
 */
function shop_feed_notify_price_watchers( $post_id, $post ) {
	$watchers = get_users(
		array(
			'meta_key'   => 'shop_feed_watch',
			'meta_value' => $post_id,
		)
	);
	foreach ( $watchers as $watcher ) {
		wp_mail( $watcher->user_email, 'Price update', get_the_title( $post ) );
	}
	wp_mail( get_option( 'admin_email' ), 'Product saved', get_the_title( $post ) );
}

/**
 * Admin button "recompute prices": runs on the click's request.
 */
function shop_feed_reprice_all() {
	$products = get_posts(
		array(
			'post_type'   => 'product',
			'numberposts' => -1,
			'fields'      => 'ids',
		)
	);
	foreach ( $products as $product_id ) {
		$base = get_post_meta( $product_id, '_regular_price', true );
		update_post_meta( $product_id, '_price', round( $base * 1.2, 2 ) );
	}
	wp_safe_redirect( admin_url( 'edit.php?post_type=product' ) );
	exit;
}
